import Foundation
import NIOCore
import SIPCore
import SIPTestSupport
import SIPTransport
import SipEndpoint
import Testing

/// The connection failure kinds that need a stream transport: a refused connection and a lost flow.
@Suite("Connection failure kinds over TCP")
struct ConnectionFailureKindTests {
    @Test func refusedConnectionIsATransportError() async throws {
        let refusing = try RefusingTCPPort()
        let configuration = ConnectionConfiguration(
            user: "7001", server: ServerAddress(host: refusing.host, port: refusing.port), transport: .tcp,
            reregisterInSeconds: 60, regInterval: 30, regRetryMax: 60, optionsInterval: 0)
        // A 60 s transaction timeout: only the refusal can fail the connection within 30 s.
        let phone = Phone.onOwnThread(configuration: fastConfiguration([configuration], timeoutMs: 60_000))
        let log = EventLog(phone.connectionManager.statusChanges)
        let start = ContinuousClock.now
        try await phone.start()
        let failed = try await log.wait(connection: 0, status: .failed, timeout: .seconds(40))
        #expect(failed.reason.kind == .transportError)
        #expect(ContinuousClock.now - start < .seconds(30), "a refused connection fails at once, not at the timeout")
        await phone.shutdown()
        withExtendedLifetime(refusing) {}
    }

    @Test func aClosedFlowIsReportedAtOnce() async throws {
        let site = try await SIPTestPeer.start(.init(transports: [.tcp]))
        let phone = Phone.onOwnThread(configuration: fastConfiguration([try connection(to: site, transport: .tcp)]))
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await log.wait(connection: 0, status: .ready)
        let flow = try #require(site.requests(.register).last?.flow)
        let closedAt = ContinuousClock.now
        try await site.closeFlow(flow)
        let failed = try await log.wait(connection: 0, status: .failed, timeout: .seconds(12))
        #expect(failed.reason.kind == .flowLost)
        // At once rather than at the next re-REGISTER (60 s); 10 s leaves room for a loaded machine.
        #expect(ContinuousClock.now - closedAt < .seconds(10))
        await phone.shutdown()
        try await site.stop()
    }

    @Test func tcpRegistrationCarriesOutboundParameters() async throws {
        let site = try await SIPTestPeer.start(.init(transports: [.tcp]))
        let phone = Phone.onOwnThread(configuration: fastConfiguration([try connection(to: site, transport: .tcp)]))
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

/// What a phone answers to requests that reach it outside a call.
@Suite("Requests outside calls")
struct OutOfDialogRequestTests {
    @Test func optionsIsAnsweredAndUnknownDialogsGet481() async throws {
        let site = try await SIPTestPeer.start()
        let phone = Phone.onOwnThread(configuration: fastConfiguration([try connection(to: site)]))
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await log.wait(connection: 0, status: .ready)
        let register = try #require(site.requests(.register).first)
        // The site sends requests to the phone's contact, as Kamailio's keep-alive OPTIONS do.
        let contact = try #require(try register.message.contacts.first?.address?.uri)
        let target = try SIPTransportTarget(transport: .udp, ipAddress: contact.host, port: contact.port ?? 5060)
        func request(_ method: SIPMethod, toTag: String? = nil) throws -> SIPMessage {
            var h = SIPHeaders()
            h.add(.via, "SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK.\(method)\(UInt32.random(in: 1...UInt32.max));rport")
            h.add(.from, "<sip:site@127.0.0.1>;tag=s1")
            h.add(.to, "<sip:7001@127.0.0.1>" + (toTag.map { ";tag=\($0)" } ?? ""))
            h.add(.callID, "ood-\(method)@site")
            h.add(.cseq, "1 \(method)")
            h.add(.maxForwards, "70")
            return .request(method: method, uri: contact, headers: h)
        }
        _ = try await site.send(try request(.options), to: target)
        _ = try await site.send(try request(.bye, toTag: "gone"), to: target)
        _ = try await site.send(try request(.message), to: target)
        let answers = try await site.waitForRecords(count: 3) {
            $0.message.statusCode != nil && $0.message.statusCode! >= 200
        }
        let byMethod = Dictionary(
            answers.map { (try! $0.message.cseq.method, $0.message.statusCode!) }, uniquingKeysWith: { a, _ in a })
        #expect(byMethod[.options] == 200)
        #expect(byMethod[.bye] == 481)
        #expect(byMethod[.message] == 405)
        await phone.shutdown()
        try await site.stop()
    }
}
