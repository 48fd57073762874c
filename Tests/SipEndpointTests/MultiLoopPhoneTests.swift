import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SIPCore
import SIPTestSupport
import SIPTransport
import Testing

@testable import SipEndpoint

/// One phone's lines spread over the loops of its event-loop group, behind one set of listeners:
/// each agent's registrations, calls and the SIP messages for them live on its line's loop.
@Suite("One phone's lines on several event loops", .timeLimit(.minutes(2)))
struct MultiLoopPhoneTests {
    static func id(_ loop: any EventLoop) -> ObjectIdentifier { ObjectIdentifier(loop as AnyObject) }

    @Test(
        "Two agents on a two-loop group: their lines are on different loops, and each one's registration, inbound call and dial work there"
    )
    func agentsOnTheirOwnLoops() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let users = ["7001": "pass7001", "7002": "pass7002"]
        let a = try await InProcessSite.start(.init(name: "site-a", users: users, testNumbers: ["9000": .answer()]))
        let b = try await InProcessSite.start(.init(name: "site-b", users: users, testNumbers: ["9000": .answer()]))
        var configuration = fastConfiguration(
            ["7001", "7002"].flatMap { [AgentLinesTests.Lab.connection($0, a), AgentLinesTests.Lab.connection($0, b)] })
        configuration.session = SessionPolicy(autoAnswer: true)
        let phone = Phone(configuration: configuration, eventLoopGroup: group)
        #expect(Set(phone.eventLoops.map(Self.id)).count == 2, "one shard per loop of the group")
        let loopOf = (0..<4).map { Self.id(phone.eventLoop(ofConnection: $0)) }
        #expect(loopOf[0] == loopOf[1] && loopOf[2] == loopOf[3], "an agent's connections share its line's loop")
        #expect(loopOf[0] != loopOf[2], "the two agents' lines are on different loops")

        // Every request a shard's transactions hand up and every registration status (driven by the
        // REGISTER's responses) must be seen on the loop of the line it is for.
        let misplaced = NIOLockedValueBox<[String]>([])
        let seen = NIOLockedValueBox<[ObjectIdentifier: Int]>([:])
        for shard in phone.shards.all {
            let loop = shard.eventLoop
            let here = Self.id(loop)
            try await loop.submit {
                let request = shard.transactions.onRequest
                shard.transactions.onRequest = { incoming in
                    let line = incoming.message.requestURI?.user.map { LoopDispatch.line(inRequestURIUser: $0) }
                    let owner = line.flatMap { phone.shards.hub.lines.shard(ofLine: $0) }
                    if !loop.inEventLoop || owner.map({ Self.id(phone.eventLoops[$0]) != here }) == true {
                        misplaced.withLockedValue {
                            $0.append("\(incoming.message.method?.rawValue ?? "?") for \(line ?? "?")")
                        }
                    }
                    seen.withLockedValue { $0[here, default: 0] += 1 }
                    request?(incoming)
                }
                let status = shard.engine.onStatusChange
                shard.engine.onStatusChange = { id, change, target in
                    if !loop.inEventLoop || Self.id(phone.eventLoop(ofConnection: id)) != here {
                        misplaced.withLockedValue { $0.append("status of connection \(id)") }
                    }
                    status?(id, change, target)
                }
            }.get()
        }

        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        for id in 0..<4 { try await log.wait(connection: id, status: .ready) }
        #expect(a.registrations.count == 2 && b.registrations.count == 2)

        // Inbound: each site calls each agent at its Contact; auto_answer answers on that agent's connection.
        let incoming = phone.callControl.incomingCalls
        var calls = incoming.makeAsyncIterator()
        #expect(try await a.call("7002") == 200)
        let toSecond = try #require(await calls.next())
        #expect(toSecond.connectionId == 2 && toSecond.snapshot?.user == "7002")
        #expect(try await b.call("7001") == 200)
        let toFirst = try #require(await calls.next())
        #expect(toFirst.connectionId == 1 && toFirst.snapshot?.user == "7001")

        // Outbound: each agent dials through its own connection.
        for connection in [0, 2] {
            let session = try await phone.callControl.dial(connectionId: connection, destination: "9000")
            let connected = try await SessionLog(session.statusChanges).wait(for: .connected)
            #expect(connected.connectionId == connection)
            try await session.hangUp()
        }
        for session in [toFirst, toSecond] { try? await session.hangUp() }

        #expect(misplaced.withLockedValue { $0 }.isEmpty, "\(misplaced.withLockedValue { $0 })")
        #expect(seen.withLockedValue { $0.count } == 2, "requests were handled on both loops")
        await phone.shutdown()
        try await a.stop()
        try await b.stop()
        try await group.shutdownGracefully()
    }

    @Test("Agents spread over loops still make one OPTIONS probe per site and interval")
    func oneProbePerSiteAcrossLoops() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let site = try await SIPTestPeer.start()
        let connections = try (0..<8).map {
            try connection(to: site, user: "\(7001 + $0)", optionsInterval: 1, regInterval: 120)
        }
        let phone = Phone(configuration: fastConfiguration(connections), eventLoopGroup: group)
        #expect(Set((0..<8).map { Self.id(phone.eventLoop(ofConnection: $0)) }).count == 2)
        try await phone.start()
        try await waitUntil(timeout: .seconds(10)) {
            phone.connectionManager.connections.allSatisfy { $0.status == .ready }
        }
        try await Task.sleep(for: .milliseconds(1_500))
        let before = site.requests(.options).count
        try await Task.sleep(for: .seconds(6))
        // Probes are counted by transaction: a loaded machine's late answer draws retransmissions.
        let probes = Set(site.requests(.options).dropFirst(before).compactMap { try? $0.message.topVia.branch }).count
        // One per second for the site (about 6), not one per loop (about 12) nor per connection (48);
        // the margin is for a loaded machine, whose late timers can bunch two probes into one window.
        #expect(probes >= 3 && probes <= 9, "\(probes) OPTIONS in 6 s for 8 connections on 2 loops at 1 s")
        await phone.shutdown()
        try await site.stop()
        try await group.shutdownGracefully()
    }

    @Test("A site's OPTIONS that names no line is answered by a loop that has a line on that site")
    func optionsWithoutALineReachesALoopWithThatSite() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let first = try await SIPTestPeer.start()
        let second = try await SIPTestPeer.start(.init(host: "127.0.77.1"))
        let phone = Phone(
            configuration: fastConfiguration([try connection(to: first), try connection(to: second, user: "7002")]),
            eventLoopGroup: group)
        #expect(
            Self.id(phone.eventLoop(ofConnection: 0)) != Self.id(phone.eventLoop(ofConnection: 1)),
            "the second site's only line is on the second loop")
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await log.wait(connection: 1, status: .ready)
        let contact = try #require(try second.requests(.register).first?.message.contacts.first?.address?.uri)
        // `OPTIONS sip:host:port`, as a site's keep-alive probe of the phone is written: no user part.
        var probe = contact
        probe.user = nil
        var h = SIPHeaders()
        h.add(.via, "SIP/2.0/UDP 127.0.77.1;branch=z9hG4bK.probe\(UInt32.random(in: 1...UInt32.max));rport")
        h.add(.from, "<sip:site@127.0.77.1>;tag=s1")
        h.add(.to, "<\(probe)>")
        h.add(.callID, "probe@site")
        h.add(.cseq, "1 OPTIONS")
        h.add(.maxForwards, "70")
        let target = try SIPTransportTarget(transport: .udp, ipAddress: contact.host, port: contact.port ?? 5060)
        _ = try await second.send(.request(method: .options, uri: probe, headers: h), to: target)
        let answer = try #require(
            try await second.waitForRecords(timeout: .seconds(10)) {
                (try? $0.message.cseq.method) == .options && $0.message.statusCode != nil
            }
            .first)
        #expect(answer.message.statusCode == 200)
        await phone.shutdown()
        try await first.stop()
        try await second.stop()
        try await group.shutdownGracefully()
    }
}
