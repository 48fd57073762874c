import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SIPCore
import SIPTestSupport
import SIPTransport
import SipEndpoint
import Testing

/// Two agents in one phone, each on two in-process sites: connections 0, 1 = 7001 on A, B and
/// 2, 3 = 7002 on A, B. Every call rule stays inside an agent's line; a request reaches a connection
/// by its Contact token, and a stranger reaches nobody.
@Suite("Agent lines and admission with in-process sites", .timeLimit(.minutes(2)))
struct AgentLinesTests {
    struct Lab: Sendable {
        let a: InProcessSite
        let b: InProcessSite
        let phone: Phone

        static func start(
            a: [String: InProcessSite.TestNumber] = ["9000": .answer(), "9408": .reject(408)],
            b: [String: InProcessSite.TestNumber] = ["9000": .answer(), "9408": .answer()],
            session: SessionPolicy = SessionPolicy(autoAnswer: true, holdOthers: true),
            agents: [String] = ["7001", "7002"]
        ) async throws -> Lab {
            let users = ["7001": "pass7001", "7002": "pass7002"]
            let siteA = try await InProcessSite.start(.init(name: "site-a", users: users, testNumbers: a))
            let siteB = try await InProcessSite.start(.init(name: "site-b", users: users, testNumbers: b))
            var configuration = fastConfiguration(agents.flatMap { [connection($0, siteA), connection($0, siteB)] })
            configuration.session = session
            let phone = Phone.onOwnThread(configuration: configuration)
            let log = EventLog(phone.connectionManager.statusChanges)
            try await phone.start()
            for id in configuration.connections.indices { try await log.wait(connection: id, status: .ready) }
            return Lab(a: siteA, b: siteB, phone: phone)
        }

        static func connection(_ user: String, _ s: InProcessSite) -> ConnectionConfiguration {
            ConnectionConfiguration(
                user: user, server: ServerAddress(host: "127.0.0.1", port: s.port), password: "pass\(user)",
                reregisterInSeconds: 60, regInterval: 120, regRetryMax: 300, optionsInterval: 0)
        }

        func stop() async throws {
            await phone.shutdown()
            try await a.stop()
            try await b.stop()
        }
    }

    @Test("Each connection registers its own Contact, with a token, at its own site")
    func ownContacts() async throws {
        let lab = try await Lab.start()
        let contacts = (0..<4).map { lab.phone.connectionManager.connection($0)?.contact ?? "" }
        #expect(Set(contacts).count == 4, "\(contacts)")
        for (id, contact) in contacts.enumerated() {
            #expect(contact.hasPrefix("sip:\(id < 2 ? "7001" : "7002")-"), "\(contact)")
        }
        #expect(lab.a.registrations["7001"]?.description == contacts[0])
        #expect(lab.b.registrations["7001"]?.description == contacts[1])
        #expect(lab.a.registrations["7002"]?.description == contacts[2])
        #expect(lab.b.registrations["7002"]?.description == contacts[3])
        try await lab.stop()
    }

    @Test("A call for 7002 through site A rings and is answered on 7002's connection; 7001's call is not held")
    func callsStayInTheirLine() async throws {
        let lab = try await Lab.start()
        let first = try await lab.phone.callControl.dial(connectionId: 0, destination: "9000")
        let firstLog = SessionLog(first.statusChanges)
        let connected = try await firstLog.wait(for: .connected)
        #expect(connected.user == "7001")

        let incoming = lab.phone.callControl.incomingCalls
        let code = try await lab.a.call("7002")
        #expect(code == 200, "auto_answer answers 7002's call")
        var iterator = incoming.makeAsyncIterator()
        let session = try #require(await iterator.next())
        #expect(session.connectionId == 2, "7002 on site A, not 7001's connection 0")
        let snapshot = try #require(lab.phone.callControl.sessions.first { $0.id == first.id })
        #expect(snapshot.status == .connected && !snapshot.isHeldLocally, "another agent's answer holds nobody")
        #expect(!firstLog.statuses.map(\.status).contains(.held))
        try await first.hangUp()
        try await lab.stop()
    }

    @Test("7002's dial answered 408 by site A fails over to 7002's site-B connection, never to 7001's")
    func failoverStaysInTheLine() async throws {
        let lab = try await Lab.start()
        let session = try await lab.phone.callControl.dial(connectionId: 2, destination: "9408")
        let log = SessionLog(session.statusChanges)
        let connected = try await log.wait(for: .connected)
        #expect(connected.connectionId == 3 && connected.user == "7002")
        #expect(log.failovers.map { [$0.fromConnectionId, $0.toConnectionId] } == [[2, 3]])
        #expect(log.failovers.first?.user == "7002")
        let invite = try #require(lab.b.invites.last)
        #expect(try invite.from.uri.user == "7002", "the call went out as 7002")
        #expect(lab.a.invites.allSatisfy { (try? $0.from.uri.user) == "7002" })
        try await session.hangUp()
        try await lab.stop()
    }

    @Test("A call sent to a connection's Contact from an address that is not its site rings on that connection")
    func callFromAnSBCToTheContact() async throws {
        let lab = try await Lab.start(session: SessionPolicy(autoAnswer: false))
        let sbc = try await SIPTestPeer.start(.init(transports: [.udp], host: "127.0.0.9"))
        let contact = try SIPURI(try #require(lab.phone.connectionManager.connection(3)?.contact))
        let incoming = lab.phone.callControl.incomingCalls
        let target = SIPTransportTarget(
            transport: .udp,
            address: try SocketAddress(ipAddress: contact.hostWithoutBrackets, port: contact.port ?? 5060))
        _ = try await sbc.send(
            Self.invite(to: contact, from: "127.0.0.9", port: try sbc.address(.udp).port ?? 0), to: target)
        var iterator = incoming.makeAsyncIterator()
        let session = try #require(await iterator.next())
        #expect(session.connectionId == 3 && session.status == .alerting)
        try await sbc.waitForRecords(timeout: .seconds(3)) { $0.message.statusCode == 180 }
        try await session.reject()
        try await sbc.stop()
        try await lab.stop()
    }

    @Test("A stranger's INVITE and OPTIONS to the agent's DN get no answer and ring nobody")
    func strangersAreDropped() async throws {
        let lab = try await Lab.start(session: SessionPolicy(autoAnswer: true))
        let stranger = try await SIPTestPeer.start(.init(transports: [.udp], host: "127.0.0.9"))
        let contact = try SIPURI(try #require(lab.phone.connectionManager.connection(0)?.contact))
        let target = SIPTransportTarget(
            transport: .udp,
            address: try SocketAddress(ipAddress: contact.hostWithoutBrackets, port: contact.port ?? 5060))
        let port = try stranger.address(.udp).port ?? 0
        let plain = SIPURI(user: "7001", host: contact.host, port: contact.port)
        _ = try await stranger.send(Self.invite(to: plain, from: "127.0.0.9", port: port), to: target)
        _ = try await stranger.send(
            Self.options(to: SIPURI(host: contact.host, port: contact.port), from: "127.0.0.9", port: port), to: target)
        let notRegistered = SIPURI(
            user: "7001-" + String(repeating: "0", count: 20), host: contact.host, port: contact.port)
        _ = try await stranger.send(Self.invite(to: notRegistered, from: "127.0.0.9", port: port), to: target)
        // Positive control: the same phone answers its site's call at once, so silence is a decision.
        #expect(try await lab.a.call("7001") == 200)
        #expect(stranger.received.isEmpty, "\(stranger.received.map { $0.message.statusCode ?? 0 })")
        #expect(lab.phone.callControl.sessions.allSatisfy { $0.remote.contains("5551234") })
        try await stranger.stop()
        try await lab.stop()
    }

    @Test("Unanswered calls end with 480 after ring_timeout; more than max_ringing_calls on a line get 486")
    func ringingIsBounded() async throws {
        let lab = try await Lab.start(
            session: SessionPolicy(autoAnswer: false, ringTimeoutSeconds: 1, maxRingingCalls: 2))
        let started = ContinuousClock.now
        async let first = lab.a.call("7001")
        async let second = lab.b.call("7001")
        try await Task.sleep(for: .milliseconds(300))
        let third = try await lab.a.call("7001")
        let other = try await lab.a.call("7002", timeout: .seconds(5))
        #expect(third == 486, "the line already rings twice")
        #expect(other == 480, "another agent's line has its own limit; it rang and timed out")
        let codes = try await [first, second]
        #expect(codes == [480, 480])
        let elapsed = ContinuousClock.now - started
        // Ended by the 1 s ring_timeout (480), not by the site's Timer B (32 s, 408).
        #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(20), "\(elapsed)")
        try await waitUntil { lab.phone.callControl.sessions.isEmpty }
        #expect(lab.phone.callControl.sessions.isEmpty, "every ringing call was freed")
        try await lab.stop()
    }

    @Test(
        "An agent added at run time gets a handle of its own: its connections, calls and events only; removed, it un-REGISTERs"
    )
    func agentHandles() async throws {
        let lab = try await Lab.start(session: SessionPolicy(autoAnswer: false), agents: ["7001"])
        let agent = try await lab.phone.addAgent(
            "7002", connections: [Lab.connection("7002", lab.a), Lab.connection("7002", lab.b)])
        let ready = try await agent.connectionManager.waitUntilReady(timeout: .seconds(5))
        #expect(ready.map(\.id) == [2, 3] && ready.allSatisfy { $0.user == "7002" })
        let first = lab.phone.agent("7001")
        #expect(first.connectionManager.connections.map(\.id) == [0, 1])
        #expect(agent.connectionManager.connection(0) == nil, "another agent's connection is not on this handle")

        // Calls: each handle sees its own line's incoming calls and sessions.
        var mine = agent.callControl.incomingCalls.makeAsyncIterator()
        var theirs = first.callControl.incomingCalls.makeAsyncIterator()
        async let toOther = lab.a.call("7001")
        let otherCall = try #require(await theirs.next())
        async let toMe = lab.a.call("7002")
        let myCall = try #require(await mine.next())
        #expect(myCall.connectionId == 2 && otherCall.connectionId == 0)
        #expect(agent.callControl.sessions.map(\.id) == [myCall.id])
        await #expect(throws: SipEndpointError.self) { _ = try await agent.callControl.session(otherCall.id) }
        try await myCall.reject()
        try await otherCall.reject()
        #expect(try await [toOther, toMe] == [486, 486])

        // Another agent's connection cannot be used or added through this handle.
        await #expect(throws: SipEndpointError.self) {
            _ = try await agent.callControl.dial(connectionId: 0, destination: "9000")
        }
        await #expect(throws: SipEndpointError.self) {
            _ = try await agent.connectionManager.addConnection(Lab.connection("7001", lab.a))
        }

        // Removed: every connection of the line un-REGISTERs and goes; the other agent stays.
        try await lab.phone.removeAgent("7002")
        #expect(agent.connectionManager.connections.isEmpty)
        #expect(lab.a.registrations["7002"] == nil && lab.b.registrations["7002"] == nil)
        #expect(lab.a.registrations["7001"] != nil)
        #expect(first.connectionManager.connections.allSatisfy { $0.status == .ready })
        try await lab.stop()
    }

    @Test("An agent's event streams carry only its line's events")
    func agentEvents() async throws {
        let lab = try await Lab.start(agents: ["7001"])
        let agent = lab.phone.agent("7002")
        let events = EventLog(agent.connectionManager.statusChanges)
        try await lab.phone.addAgent("7002", connections: [Lab.connection("7002", lab.a)])
        try await events.wait(connection: 2, status: .ready)
        try await lab.phone.connectionManager.disableConnection(0)
        try await lab.phone.connectionManager.enableConnection(0)
        _ = try await lab.phone.connectionManager.waitUntilReady(timeout: .seconds(5))
        #expect(
            events.events.allSatisfy { $0.user == "7002" }, "\(events.events.map { "\($0.connectionId) \($0.user)" })")
        #expect(!events.events.isEmpty)
        try await lab.stop()
    }

    // MARK: Helpers

    static func invite(to uri: SIPURI, from host: String, port: Int) throws -> SIPMessage {
        let branch = SIPVia.makeBranch()
        return try SIPMessage(
            parsing: """
                INVITE \(uri) SIP/2.0\r
                Via: SIP/2.0/UDP \(host):\(port);branch=\(branch)\r
                Max-Forwards: 70\r
                From: <sip:caller@\(host)>;tag=sbc\(branch.suffix(6))\r
                To: <\(uri)>\r
                Call-ID: \(branch)@\(host)\r
                CSeq: 1 INVITE\r
                Contact: <sip:caller@\(host):\(port)>\r
                Content-Length: 0\r
                \r

                """)
    }

    static func options(to uri: SIPURI, from host: String, port: Int) throws -> SIPMessage {
        let branch = SIPVia.makeBranch()
        return try SIPMessage(
            parsing: """
                OPTIONS \(uri) SIP/2.0\r
                Via: SIP/2.0/UDP \(host):\(port);branch=\(branch)\r
                Max-Forwards: 70\r
                From: "friendly-scanner" <sip:100@\(host)>;tag=s\(branch.suffix(6))\r
                To: <\(uri)>\r
                Call-ID: \(branch)@\(host)\r
                CSeq: 1 OPTIONS\r
                Content-Length: 0\r
                \r

                """)
    }

}

/// A broken request tells a stranger nothing either: the transport answers its 400 only to the sites.
@Suite("Malformed requests from strangers", .timeLimit(.minutes(1)))
struct MalformedFromStrangersTests {
    /// One UDP socket bound to `host`; what it receives, as text.
    final class RawUDP: Sendable {
        final class Collector: ChannelInboundHandler, Sendable {
            typealias InboundIn = AddressedEnvelope<ByteBuffer>
            let received = NIOLockedValueBox<[String]>([])
            func channelRead(context: ChannelHandlerContext, data: NIOAny) {
                let envelope = unwrapInboundIn(data)
                received.withLockedValue { $0.append(String(buffer: envelope.data)) }
            }
        }
        let channel: any Channel
        let collector = Collector()

        init(host: String) async throws {
            let collector = self.collector
            channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { $0.pipeline.addHandler(collector) }
                .bind(host: host, port: 0).get()
        }

        func send(_ text: String, to address: SocketAddress) async throws {
            try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(string: text)))
                .get()
        }

        var received: [String] { collector.received.withLockedValue { $0 } }
    }

    static func malformed(from host: String, port: Int) -> String {
        "OPTIONS sip:7001@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP \(host):\(port);branch=z9hG4bK-bad\(port)\r\n"
            + "Max-Forwards: 70\r\nFrom: <sip:x@\(host)>;tag=x\r\nTo: <sip:7001@127.0.0.1>\r\nCall-ID: bad-\(port)\r\n"
            + "CSeq: -1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
    }

    @Test("A stranger's CSeq: -1 gets nothing; the same from the site's address gets 400")
    func strangersGetNoBadRequest() async throws {
        let lab = try await AgentLinesTests.Lab.start()
        let contact = try SIPURI(try #require(lab.phone.connectionManager.connection(0)?.contact))
        let phone = try SocketAddress(ipAddress: contact.hostWithoutBrackets, port: contact.port ?? 5060)
        let stranger = try await RawUDP(host: "127.0.0.9")
        let site = try await RawUDP(host: "127.0.0.1")  // the in-process sites' address
        try await stranger.send(
            Self.malformed(from: "127.0.0.9", port: stranger.channel.localAddress?.port ?? 0), to: phone)
        try await site.send(Self.malformed(from: "127.0.0.1", port: site.channel.localAddress?.port ?? 0), to: phone)
        try await waitUntil(timeout: .seconds(3)) { !site.received.isEmpty }
        #expect(site.received.first?.hasPrefix("SIP/2.0 400") == true, "\(site.received)")
        #expect(stranger.received.isEmpty, "\(stranger.received)")
        try await stranger.channel.close()
        try await site.channel.close()
        try await lab.stop()
    }
}
