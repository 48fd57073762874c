import Foundation
import NIOCore
import SIPCore
import SIPTestSupport
import SIPTransport
import SipEndpoint
import Testing

/// The failure kinds of issue 4 that need a stream transport: a refused connection and a lost flow.
@Suite("Connection failure kinds over TCP")
struct ConnectionFailureKindTests {
    @Test func refusedConnectionIsATransportError() async throws {
        let gone = try await SIPTestPeer.start(.init(transports: [.tcp]))
        let configuration = try connection(to: gone, transport: .tcp)
        try await gone.stop()
        let phone = Phone(configuration: fastConfiguration([configuration]))
        let log = EventLog(phone.connectionManager.statusChanges)
        let start = ContinuousClock.now
        try await phone.start()
        let failed = try await log.wait(connection: 0, status: .failed)
        #expect(failed.reason.kind == .transportError)
        #expect(ContinuousClock.now - start < .seconds(2), "a refused connection fails at once, not at the timeout")
        await phone.shutdown()
    }

    @Test func aClosedFlowIsReportedAtOnce() async throws {
        let site = try await SIPTestPeer.start(.init(transports: [.tcp]))
        let phone = Phone(configuration: fastConfiguration([try connection(to: site, transport: .tcp)]))
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await log.wait(connection: 0, status: .ready)
        let flow = try #require(site.requests(.register).last?.flow)
        let closedAt = ContinuousClock.now
        try await site.closeFlow(flow)
        let failed = try await log.wait(connection: 0, status: .failed)
        #expect(failed.reason.kind == .flowLost)
        #expect(ContinuousClock.now - closedAt < .seconds(1))
        await phone.shutdown()
        try await site.stop()
    }

    @Test func tcpRegistrationCarriesOutboundParameters() async throws {
        let site = try await SIPTestPeer.start(.init(transports: [.tcp]))
        let phone = Phone(configuration: fastConfiguration([try connection(to: site, transport: .tcp)]))
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await log.wait(connection: 0, status: .ready)
        let register = try #require(site.requests(.register).first?.message)
        let contact = try #require(try register.contacts.first)
        #expect(contact.regID == 1)
        #expect(contact.address?.uri.parameters.contains("ob") == true)
        #expect(contact.address?.uri.transportParameter == "tcp")
        #expect(try register.topVia.transport == "TCP")
        await phone.shutdown()
        try await site.stop()
    }
}
