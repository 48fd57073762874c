import Logging
import NIOCore
import NIOEmbedded
import SIPCore
import SIPMedia
import SIPTransaction
import SIPTransport
import SIPUserAgent
import Testing

@testable import SipEndpoint

/// The call driver on a virtual clock: built on `NIOAsyncTestingEventLoop` with an environment of its
/// own (no phone) and a transaction layer that is never started (its sends fail quietly), so time
/// passes only when the test advances it.
@Suite("Call driver on a virtual clock")
struct CallDriverClockTests {
    static let configuration = SipEndpointConfiguration(
        connections: [
            ConnectionConfiguration(user: "7001", server: ServerAddress(host: "127.0.0.1", port: 5060), password: "p")
        ],
        endpoint: EndpointPolicy(localAddress: "127.0.0.1"), session: SessionPolicy(ringTimeoutSeconds: 30))

    static func driver(on loop: NIOAsyncTestingEventLoop) -> CallDriver {
        let configuration = Self.configuration
        let environment = CallDriverEnvironment(
            configuration: configuration, eventLoop: loop, mediaClock: MediaClock(eventLoop: loop),
            mediaPorts: MediaPortPool(eventLoop: loop),
            mediaCNAME: "test@sipendpoint", mediaMetrics: MediaMetrics(), srtpKeyLog: nil,
            connections: CallDriverEnvironment.Connections(
                configuration: { configuration.connections[safe: $0] },
                user: { $0 == 0 ? "7001" : nil },
                hasFailed: { _ in false },
                localParty: { _ in
                    LocalParty(
                        addressOfRecord: SIPURI(user: "7001", host: "127.0.0.1"),
                        contact: SIPURI(user: "7001", host: "127.0.0.1", port: 5070), transport: .udp)
                },
                credentials: { _ in nil },
                realmPolicy: { _ in DigestRealmPolicy(domain: "127.0.0.1", user: "7001", hasPassword: false) },
                currentTarget: { _ in try? SIPTransportTarget(transport: .udp, ipAddress: "127.0.0.1", port: 5060) },
                dialCandidates: { _ in [] },
                target: { _, _ in loop.makeFailedFuture(SipEndpointError(.notRunning, "no targets in this test")) },
                trouble: { _, _ in },
                localHostAddress: { "127.0.0.1" }))
        let transactions = SIPTransactionLayer(
            transportConfiguration: SIPTransportConfiguration(listeners: [], keepAliveInterval: nil), eventLoop: loop)
        return CallDriver(environment: environment, transactions: transactions, logger: Logger(label: "test"))
    }

    static func invite() throws -> IncomingRequest {
        let text = """
            INVITE sip:7001@127.0.0.1:5070 SIP/2.0\r
            Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKclock1\r
            Max-Forwards: 70\r
            From: <sip:100@127.0.0.1>;tag=caller\r
            To: <sip:7001@127.0.0.1>\r
            Call-ID: clock-test-1\r
            CSeq: 1 INVITE\r
            Contact: <sip:100@127.0.0.1:5060>\r
            Content-Length: 0\r
            \r

            """
        let source = try SocketAddress(ipAddress: "127.0.0.1", port: 5060)
        let flow = SIPFlow(
            transport: .udp, localAddress: try SocketAddress(ipAddress: "127.0.0.1", port: 5070), remoteAddress: source)
        return IncomingRequest(
            received: SIPReceivedMessage(message: try SIPMessage(parsing: text), source: source, flow: flow),
            transaction: nil)
    }

    @Test("An incoming call nobody answers rings until ring_timeout on the loop's clock, then ends")
    func ringTimeoutOnTheVirtualClock() async throws {
        let loop = NIOAsyncTestingEventLoop()
        let driver = Self.driver(on: loop)
        let request = try Self.invite()
        let id = try await loop.submit { () -> String? in
            #expect(driver.incoming(request, connectionId: 0))
            return driver.calls.keys.first
        }.get()
        let call = try #require(id)
        #expect(driver.snapshot.withLock { $0[call]?.status } == .alerting)

        await loop.advanceTime(by: .seconds(29))
        #expect(driver.snapshot.withLock { $0[call]?.status } == .alerting, "29 s: still ringing")
        #expect(try await loop.submit { driver.ringing["7001"] }.get() == 1)

        await loop.advanceTime(by: .seconds(2))
        #expect(driver.snapshot.withLock { $0[call] } == nil, "31 s: the ring timeout ended it")
        #expect(try await loop.submit { driver.ringing["7001"] }.get() == nil, "the line rings no more")
        await loop.shutdownGracefully()
    }

    @Test("A hang-up of a ringing call completes once its INVITE session is over (603 sent, nothing left)")
    func hangUpOfARingingCallCompletes() async throws {
        let loop = NIOAsyncTestingEventLoop()
        let driver = Self.driver(on: loop)
        let request = try Self.invite()
        let done = try await loop.submit { () throws -> EventLoopFuture<Void> in
            _ = driver.incoming(request, connectionId: 0)
            let id = try #require(driver.calls.keys.first)
            return try driver.hangUp(id)
        }.get()
        try await done.get()
        #expect(driver.snapshot.withLock { $0.isEmpty })
        await loop.shutdownGracefully()
    }
}
