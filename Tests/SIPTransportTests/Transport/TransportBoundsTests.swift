import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SIPCore
import SIPTestSupport
import Testing

@testable import SIPTransport

/// What strangers can make the transport hold, over real loopback sockets: datagram size, bad messages
/// on a stream, connections per address and in total, and messages that never complete.
/// Loopback aliases (127.0.0.2…) stand for other hosts.
@Suite(.timeLimit(.minutes(1))) struct TransportBoundsTests {
    /// An OPTIONS of exactly `size` bytes, padded with its body, Content-Length right.
    static func paddedOptions(size: Int, transport: String, callID: String) -> String {
        func head(_ bodyLength: Int) -> String {
            "OPTIONS sip:agent@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/\(transport) 127.0.0.1:5999;branch=z9hG4bK\(callID);rport\r\n"
                + "Max-Forwards: 70\r\nFrom: <sip:raw@127.0.0.1>;tag=r\r\nTo: <sip:agent@127.0.0.1>\r\n"
                + "Call-ID: \(callID)\r\nCSeq: 1 OPTIONS\r\nContent-Type: text/plain\r\nContent-Length: \(bodyLength)\r\n\r\n"
        }
        var bodyLength = size - head(0).utf8.count
        bodyLength = size - head(bodyLength).utf8.count
        let text = head(bodyLength) + String(repeating: "x", count: bodyLength)
        precondition(text.utf8.count == size)  // test input, not network bytes
        return text
    }

    static func options(cseq: String, callID: String) -> String {
        "OPTIONS sip:agent@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK\(callID);rport\r\n"
            + "Max-Forwards: 70\r\nFrom: <sip:raw@127.0.0.1>;tag=r\r\nTo: <sip:agent@127.0.0.1>\r\n"
            + "Call-ID: \(callID)\r\nCSeq: \(cseq)\r\nContent-Length: 0\r\n\r\n"
    }

    static func message(_ agent: Agent, callID: String) async throws -> SIPReceivedMessage {
        try await agent.events.wait(timeout: .seconds(3), "request \(callID)") { events in
            events.messages.first { $0.message.headers.first(.callID) == callID }
        }
    }

    /// Polls `condition` until it holds, at most `timeout`.
    static func eventually(
        timeout: Duration = .seconds(3), _ what: String, _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        if try await condition() { return }
        throw TestTimeout(what: what, timeout: timeout)
    }

    // MARK: UDP size

    @Test(arguments: [6_000, 65_000])
    func aLargeDatagramIsReceivedWhole(_ size: Int) async throws {
        try await Agent.withAgent { agent in
            let client = try await RawClient.udp(on: MultiThreadedEventLoopGroup.singleton)
            let target = try #require(agent.layer.localAddress(for: .udp))
            try await client.send(Self.paddedOptions(size: size, transport: "UDP", callID: "big-\(size)"), to: target)
            let received = try await Self.message(agent, callID: "big-\(size)")
            #expect(received.message.body.readableBytes > size - 400)
            #expect(received.message.body.readableBytesView.allSatisfy { $0 == UInt8(ascii: "x") })
            #expect(!client.receivedText.contains("SIP/2.0 400"))
            await client.close()
        }
    }

    // MARK: A bad message on a stream

    @Test func aBadMessageOnTCPIsAnswered400AndTheNextOneStillArrives() async throws {
        try await Agent.withAgent { agent in
            let client = try await RawClient.tcp(
                to: try #require(agent.layer.localAddress(for: .tcp)), on: MultiThreadedEventLoopGroup.singleton)
            try await client.write(
                Self.options(cseq: "-1 OPTIONS", callID: "bad") + Self.options(cseq: "2 OPTIONS", callID: "good"))
            let text = try await client.waitForText(containing: "SIP/2.0 400")
            #expect(text.hasPrefix("SIP/2.0 400 Bad Request ("))
            #expect(text.contains("Call-ID: bad\r\n"))
            let good = try await Self.message(agent, callID: "good")
            #expect(good.flow.transport == .tcp)
            #expect(!agent.events.messages.contains { $0.message.headers.first(.callID) == "bad" })
            // Same connection, still open and still carrying requests.
            #expect(client.channel.isActive)
            try await client.write(Self.options(cseq: "3 OPTIONS", callID: "after"))
            let after = try await Self.message(agent, callID: "after")
            #expect(after.flow.connectionID == good.flow.connectionID)
            #expect(client.channel.isActive)
            await client.close()
        }
    }

    // MARK: Connection limits

    @Test func aStrangerKeepsAtMost16ConnectionsWhileASiteCanStillConnect() async throws {
        try await Agent.withAgent { agent in
            agent.layer.setPrivilegedAddresses(["127.0.0.3"])
            let address = try #require(agent.layer.localAddress(for: .tcp))
            let group = MultiThreadedEventLoopGroup.singleton
            var strangers: [RawClient] = []
            for _ in 0..<20 { strangers.append(try await RawClient.tcp(to: address, on: group, from: "127.0.0.2")) }
            try await Self.eventually("4 of 20 stranger connections closed") {
                strangers.filter { !$0.channel.isActive }.count == 4
            }
            #expect(try await agent.layer.inboundConnectionCount(from: "127.0.0.2").get() == 16)

            var sites: [RawClient] = []
            for _ in 0..<20 { sites.append(try await RawClient.tcp(to: address, on: group, from: "127.0.0.3")) }
            try await Self.eventually("20 site connections counted") {
                try await agent.layer.inboundConnectionCount(from: "127.0.0.3").get() == 20
            }
            #expect(sites.allSatisfy { $0.channel.isActive })
            #expect(strangers.filter { $0.channel.isActive }.count == 16)
            // A site's connection carries requests as usual.
            try await sites[19].write(Self.options(cseq: "1 OPTIONS", callID: "site"))
            #expect(try await Self.message(agent, callID: "site").source.ipAddress == "127.0.0.3")

            // A stranger's closed connection frees its slot.
            await strangers[0].close()
            try await Self.eventually("the closed connection uncounted") {
                try await agent.layer.inboundConnectionCount(from: "127.0.0.2").get() == 15
            }
            let again = try await RawClient.tcp(to: address, on: group, from: "127.0.0.2")
            try await again.write(Self.options(cseq: "1 OPTIONS", callID: "again"))
            _ = try await Self.message(agent, callID: "again")
            #expect(again.channel.isActive)
            for client in strangers + sites + [again] { await client.close() }
        }
    }

    @Test func theReserveIsLeftToTheSites() async throws {
        var configuration = SIPTransportConfiguration()
        configuration.maxInboundConnections = 8
        configuration.reservedPrivilegedConnections = 4
        try await Agent.withAgent(configuration) { agent in
            agent.layer.setPrivilegedAddresses(["127.0.0.3"])
            let address = try #require(agent.layer.localAddress(for: .tcp))
            let group = MultiThreadedEventLoopGroup.singleton
            var strangers: [RawClient] = []
            for source in ["127.0.0.2", "127.0.0.4", "127.0.0.2", "127.0.0.4", "127.0.0.2", "127.0.0.6"] {
                strangers.append(try await RawClient.tcp(to: address, on: group, from: source))
            }
            try await Self.eventually("2 stranger connections closed") {
                strangers.filter { !$0.channel.isActive }.count == 2
            }
            var sites: [RawClient] = []
            for _ in 0..<5 { sites.append(try await RawClient.tcp(to: address, on: group, from: "127.0.0.3")) }
            try await Self.eventually("the 5th site connection closed: the total is reached") {
                sites.filter { !$0.channel.isActive }.count == 1
            }
            #expect(try await agent.layer.inboundConnectionCount().get() == 8)
            #expect(try await agent.layer.inboundConnectionCount(from: "127.0.0.3").get() == 4)
            for client in strangers + sites { await client.close() }
        }
    }

    // MARK: Messages that never complete

    /// A listener for the agent to connect to, which sends the start of a response and never the rest.
    final class DribblingServer: Sendable {
        let channel: Channel
        let accepted = NIOLockedValueBox<[Channel]>([])

        final class Dribbler: ChannelInboundHandler {
            typealias InboundIn = ByteBuffer
            typealias OutboundOut = ByteBuffer
            func channelActive(context: ChannelHandlerContext) {
                context.writeAndFlush(
                    Self.wrapOutboundOut(ByteBuffer(string: "SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP")), promise: nil)
                context.fireChannelActive()
            }
        }

        init(group: EventLoopGroup) async throws {
            let accepted = self.accepted
            channel = try await ServerBootstrap(group: group)
                .childChannelInitializer { channel in
                    accepted.withLockedValue { $0.append(channel) }
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(Dribbler())
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
        }
    }

    @Test func aPartialMessageClosesAStrangersConnectionButNotAKeepAliveFlowNorOurOwn() async throws {
        var configuration = SIPTransportConfiguration()
        configuration.partialMessageTimeout = .milliseconds(300)
        let group = MultiThreadedEventLoopGroup.singleton
        let server = try await DribblingServer(group: group)
        try await Agent.withAgent(configuration) { agent in
            let address = try #require(agent.layer.localAddress(for: .tcp))
            // Our own flow, to a server that never finishes its response.
            let serverAddress = try #require(server.channel.localAddress)
            _ = try await agent.layer.send(
                makeRequest(.options, transport: .tcp), to: SIPTransportTarget(transport: .tcp, address: serverAddress)
            ).get()
            try await Self.eventually("the server accepted our flow") {
                server.accepted.withLockedValue { $0.count } == 1
            }
            // A flow carrying only keep-alives.
            let idle = try await RawClient.tcp(to: address, on: group)
            try await idle.write("\r\n\r\n")
            _ = try await idle.waitForText(containing: "\r\n")

            let started = ContinuousClock.now
            let slow = try await RawClient.tcp(to: address, on: group)
            try await slow.write("OPTIONS sip:agent@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5999")
            #expect(await slow.waitForClose(timeout: .seconds(3)), "a partial message must not hold the connection")
            let waited = ContinuousClock.now - started
            #expect(waited >= .milliseconds(250), "closed after \(waited), before its time was up")

            // Opened before it, older than its deadline, still open and answering.
            #expect(idle.channel.isActive)
            try await idle.write("\r\n\r\n")
            _ = try await idle.waitForText(containing: "\r\n\r\n")
            #expect(server.accepted.withLockedValue { $0.allSatisfy(\.isActive) })
            #expect(agent.events.failures.isEmpty)
            await idle.close()
        }
        try await server.channel.close()
    }

    @Test func aTLSConnectionWithoutAHandshakeIsClosedInTime() async throws {
        let certificates = try SIPTestCertificates.shared()
        var configuration = SIPTransportConfiguration(listeners: [.init(.tls)])
        configuration.tls = .init(
            trustRoots: .file(certificates.caCertificateFile), certificateChainFile: certificates.certificateFile,
            privateKeyFile: certificates.privateKeyFile)
        configuration.partialMessageTimeout = .milliseconds(300)
        try await Agent.withAgent(configuration) { agent in
            let address = try #require(agent.layer.localAddress(for: .tls))
            let started = ContinuousClock.now
            let silent = try await RawClient.tcp(to: address, on: MultiThreadedEventLoopGroup.singleton)
            #expect(await silent.waitForClose(timeout: .seconds(3)), "a connection that never says hello must not stay")
            #expect(ContinuousClock.now - started >= .milliseconds(250))
            try await Self.eventually("none counted") { try await agent.layer.inboundConnectionCount().get() == 0 }
        }
    }

    @Test func aStrangerDribbling300ConnectionsHoldsAtMost16ThenNone() async throws {
        var configuration = SIPTransportConfiguration()
        configuration.partialMessageTimeout = .milliseconds(300)
        let started = ContinuousClock.now
        try await Agent.withAgent(configuration) { agent in
            let address = try #require(agent.layer.localAddress(for: .tcp))
            let group = MultiThreadedEventLoopGroup.singleton
            var clients: [RawClient] = []
            var mostCounted = 0
            // In batches, so the listen backlog never overflows into SYN retransmissions.
            for _ in 0..<6 {
                try await withThrowingTaskGroup(of: RawClient.self) { tasks in
                    for _ in 0..<50 {
                        tasks.addTask { try await RawClient.tcp(to: address, on: group, from: "127.0.0.2") }
                    }
                    for try await client in tasks { clients.append(client) }
                }
                mostCounted = max(mostCounted, try await agent.layer.inboundConnectionCount(from: "127.0.0.2").get())
            }
            #expect(clients.count == 300)
            // One byte at a time on every connection still open, a header that never ends.
            let header =
                Array("OPTIONS sip:agent@127.0.0.1 SIP/2.0\r\nX-Drip: ".utf8)
                + Array(repeating: UInt8(ascii: "a"), count: 200)
            var sent = 0
            let dribbleDeadline = ContinuousClock.now + .seconds(3)
            while ContinuousClock.now < dribbleDeadline {
                let open = clients.filter { $0.channel.isActive }
                mostCounted = max(mostCounted, try await agent.layer.inboundConnectionCount(from: "127.0.0.2").get())
                if open.isEmpty { break }
                let byte = header[sent % header.count]
                sent += 1
                let writes = open.map { $0.channel.writeAndFlush(ByteBuffer(bytes: [byte])) }
                for write in writes { try? await write.get() }
                try await Task.sleep(for: .milliseconds(20))  // pacing of the load, not a wait for the rule
            }
            #expect(mostCounted <= 16)
            #expect(clients.allSatisfy { !$0.channel.isActive }, "every dribbling connection is closed in the end")
            try await Self.eventually("none counted") {
                try await agent.layer.inboundConnectionCount().get() == 0
            }
            #expect(agent.events.messages.isEmpty)
            for client in clients { await client.close() }
        }
        print("transport-bounds dribbling-300 took \(ContinuousClock.now - started)")
    }

    // MARK: Local address

    @Test func outgoingConnectionsLeaveFromTheListenersHost() async throws {
        let phone = SIPTransportConfiguration(listeners: [
            .init(.udp, host: "127.0.0.5"), .init(.tcp, host: "127.0.0.5"),
        ])
        try await Agent.withAgent { site in
            try await Agent.withAgent(phone) { agent in
                let target = SIPTransportTarget(
                    transport: .tcp, address: try #require(site.layer.localAddress(for: .tcp)))
                let flow = try await agent.layer.send(
                    makeRequest(.options, transport: .tcp, callID: "bound"), to: target
                ).get()
                #expect(flow.localAddress.ipAddress == "127.0.0.5")
                let received = try await Self.message(site, callID: "bound")
                #expect(received.source.ipAddress == "127.0.0.5")
            }
        }
    }

    @Test func theOutboundSourceIsASpecificListenerHostOfTheSameFamily() throws {
        let remote = try SocketAddress(ipAddress: "192.0.2.1", port: 5060)
        let loopbackRemote = try SocketAddress(ipAddress: "127.0.0.1", port: 5060)
        let v6Remote = try SocketAddress(ipAddress: "2001:db8::1", port: 5060)
        func source(_ hosts: [String], toward remote: SocketAddress) -> String? {
            SIPTransportConfiguration(listeners: hosts.map { .init(.tcp, host: $0) }).outboundSource(toward: remote)?
                .ipAddress
        }
        #expect(source(["198.51.100.7"], toward: remote) == "198.51.100.7")
        #expect(source(["0.0.0.0"], toward: remote) == nil)
        #expect(source(["::", "198.51.100.7"], toward: remote) == "198.51.100.7")
        #expect(source(["198.51.100.7"], toward: v6Remote) == nil)
        #expect(source(["2001:db8::5"], toward: v6Remote) == "2001:db8::5")
        // A loopback source can only reach loopback destinations.
        #expect(source(["127.0.0.1"], toward: remote) == nil)
        #expect(source(["127.0.0.5"], toward: loopbackRemote) == "127.0.0.5")
    }
}
