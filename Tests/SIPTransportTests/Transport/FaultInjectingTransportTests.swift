import NIOCore
import NIOEmbedded
import SIPCore
import SIPTestSupport
import SIPTransport
import Testing

/// Each fault of the wrapper over an in-memory transport on a virtual clock: nothing is bound, nothing
/// sleeps. The wrapper's freeze over real sockets (pings unanswered) is in LoopbackTransportTests.
@Suite struct FaultInjectingTransportTests {
    final class Harness {
        let loop = EmbeddedEventLoop()
        let inner: InMemoryTransport
        let start: NIODeadline
        let wrapper: FaultInjectingTransport
        var delivered: [String] = []
        var failures = 0

        init(inner: ((EmbeddedEventLoop) -> InMemoryTransport)? = nil) {
            self.inner = inner?(loop) ?? InMemoryTransport(loop: loop)
            start = loop.now
            wrapper = FaultInjectingTransport(wrapping: self.inner)
            wrapper.setEventHandler { [unowned self] event in
                switch event {
                case .message(let received): self.delivered.append((try? received.message.callID) ?? "?")
                case .flowFailed: self.failures += 1
                }
            }
        }

        func set(_ faults: FaultInjectingTransport.Faults) throws {
            let done = wrapper.setFaults(faults)
            loop.run()
            try done.wait()
        }

        @discardableResult
        func send(_ callID: String, to host: String) throws -> SIPFlow {
            let target = try SIPTransportTarget(transport: .udp, ipAddress: host, port: 5060)
            let future = wrapper.send(makeRequest(.options, transport: .udp, callID: callID), to: target)
            loop.run()
            return try future.wait()
        }

        /// Writes `callID` toward `host`:5060 over UDP, as a transaction sends, and runs the loop.
        func write(_ callID: String, to host: String) throws -> SIPSendOutcome {
            let target = try SIPTransportTarget(transport: .udp, ipAddress: host, port: 5060)
            let outcome = wrapper.write(
                makeRequest(.options, transport: .udp, callID: callID), to: target, reportingFailure: false)
            loop.run()
            return outcome
        }

        var sentIDs: [String] { inner.sent.map { (try? $0.message.callID) ?? "?" } }
        /// When each message was sent, in milliseconds of virtual time since the harness began.
        var sentAtMilliseconds: [Int64] { inner.sent.map { ($0.at - start).nanoseconds / 1_000_000 } }
    }

    @Test func withoutFaultsEverythingPassesThrough() throws {
        let h = Harness()
        try h.send("a", to: "127.0.9.1")
        _ = h.wrapper.send(makeRequest(.options, transport: .udp, callID: "b"), on: h.inner.flow(to: "127.0.9.1"))
        _ = h.wrapper.sendResponse(
            makeRequest(.options, transport: .udp, callID: "c"), receivedOn: h.inner.flow(to: "127.0.9.1"))
        h.loop.run()
        h.inner.receive("in", from: "127.0.9.1")
        #expect(h.sentIDs == ["a", "b", "c"])
        #expect(h.delivered == ["in"])
        #expect(h.wrapper.localAddress(for: .udp) == h.inner.local)
    }

    @Test func aBlockedHostIsCutOffBothWaysAndOthersAreNot() throws {
        let h = Harness()
        try h.set(.init(blockedHosts: ["127.0.9.1"]))
        let flow = try h.send("to-A", to: "127.0.9.1")
        try h.send("to-B", to: "127.0.9.2")
        _ = h.wrapper.send(makeRequest(.options, transport: .udp, callID: "on-A"), on: h.inner.flow(to: "127.0.9.1"))
        h.loop.run()
        h.inner.receive("from-A", from: "127.0.9.1")
        h.inner.receive("from-B", from: "127.0.9.2")
        #expect(h.sentIDs == ["to-B"])
        #expect(h.delivered == ["from-B"])
        // The lost send still succeeded, with a flow toward the blocked host.
        #expect(flow.remoteAddress.ipAddress == "127.0.9.1")

        try h.set(.none)
        try h.send("to-A-again", to: "127.0.9.1")
        h.inner.receive("from-A-again", from: "127.0.9.1")
        #expect(h.sentIDs == ["to-B", "to-A-again"])
        #expect(h.delivered == ["from-B", "from-A-again"])
    }

    @Test func frozenNothingIsSentOrDeliveredUntilTheThaw() throws {
        let h = Harness()
        try h.set(.init(isFrozen: true))
        try h.send("while-frozen", to: "127.0.9.1")
        h.inner.receive("while-frozen", from: "127.0.9.2")
        h.inner.handler?(
            .flowFailed(
                SIPFlowFailure(
                    flow: h.inner.flow(to: "127.0.9.2"),
                    target: try SIPTransportTarget(transport: .udp, ipAddress: "127.0.9.2", port: 5060),
                    error: SIPTransportError(.connectionClosed, "test"))))
        #expect(h.sentIDs.isEmpty)
        #expect(h.delivered.isEmpty)
        #expect(h.failures == 1, "a flow failure is the transport's news, not a message: it is passed on")

        try h.set(.none)
        try h.send("after", to: "127.0.9.1")
        h.inner.receive("after", from: "127.0.9.2")
        #expect(h.sentIDs == ["after"])
        #expect(h.delivered == ["after"])
    }

    @Test func everyNthMessageIsLostInEachDirectionCountedFromTheSetting() throws {
        let h = Harness()
        try h.send("before", to: "127.0.9.1")
        try h.set(.init(dropEveryNth: 3))
        for n in 1...7 { try h.send("out\(n)", to: "127.0.9.1") }
        for n in 1...7 { h.inner.receive("in\(n)", from: "127.0.9.1") }
        #expect(h.sentIDs == ["before", "out1", "out2", "out4", "out5", "out7"])
        #expect(h.delivered == ["in1", "in2", "in4", "in5", "in7"])

        // Setting it again starts the count again; nil stops the loss.
        try h.set(.init(dropEveryNth: 2))
        for n in 1...3 { try h.send("again\(n)", to: "127.0.9.1") }
        try h.set(.init(dropEveryNth: nil))
        try h.send("clean", to: "127.0.9.1")
        #expect(h.sentIDs.suffix(3) == ["again1", "again3", "clean"])
    }

    @Test func aDelayHoldsEverySendThatLongInOrderAndLeavesReceptionAlone() throws {
        let h = Harness()
        try h.set(.init(delay: .milliseconds(250)))
        let target = try SIPTransportTarget(transport: .udp, ipAddress: "127.0.9.1", port: 5060)
        let first = h.wrapper.send(makeRequest(.options, transport: .udp, callID: "first"), to: target)
        h.loop.advanceTime(by: .milliseconds(100))
        let second = h.wrapper.send(makeRequest(.options, transport: .udp, callID: "second"), to: target)
        h.inner.receive("in", from: "127.0.9.1")
        #expect(h.delivered == ["in"])
        h.loop.advanceTime(by: .milliseconds(149))
        #expect(h.sentIDs.isEmpty)
        h.loop.advanceTime(by: .milliseconds(1))
        #expect(h.sentIDs == ["first"])
        h.loop.advanceTime(by: .milliseconds(100))
        #expect(h.sentAtMilliseconds == [250, 350])
        _ = try first.wait()
        _ = try second.wait()
    }

    /// Writes a datagram at once, as ``SIPTransportLayer`` does on its loop, and counts the writes.
    final class WritingTransport: InMemoryTransport, @unchecked Sendable {
        var writes = 0
        override func write(_ message: SIPMessage, to target: SIPTransportTarget, reportingFailure: Bool)
            -> SIPSendOutcome
        {
            writes += 1
            _ = send(message, to: target)
            return .written(
                SIPFlow(transport: target.transport, localAddress: local, remoteAddress: target.address),
                completion: nil)
        }
    }

    @Test func withoutFaultsAWriteIsTheWrappedTransportsOwnWithNoFuture() throws {
        let h = Harness(inner: WritingTransport.init(loop:))
        let outcome = try h.write("a", to: "127.0.9.1")
        guard case .written(let flow, let completion) = outcome else {
            Issue.record("expected the wrapped transport's immediate write, got \(outcome)")
            return
        }
        #expect(flow.remoteAddress.ipAddress == "127.0.9.1")
        #expect(completion == nil, "no failure report was asked for")
        #expect((h.inner as? WritingTransport)?.writes == 1)
        #expect(h.sentIDs == ["a"])
    }

    @Test func aWriteLostToAFaultSendsNothingAndCountsTowardTheLoss() throws {
        let h = Harness(inner: WritingTransport.init(loop:))
        try h.set(.init(blockedHosts: ["127.0.9.9"], dropEveryNth: 2))
        var lost: [SIPFlow] = []
        for n in 1...4 {
            if case .pending(let future) = try h.write("out\(n)", to: "127.0.9.1") { lost.append(try future.wait()) }
        }
        if case .pending(let future) = try h.write("blocked", to: "127.0.9.9") { lost.append(try future.wait()) }
        #expect(h.sentIDs == ["out1", "out3"])
        #expect((h.inner as? WritingTransport)?.writes == 2)
        #expect(lost.map { $0.remoteAddress.ipAddress } == ["127.0.9.1", "127.0.9.1", "127.0.9.9"])
    }

    @Test func aDelayedWriteWaitsAsASendDoes() throws {
        let h = Harness(inner: WritingTransport.init(loop:))
        try h.set(.init(delay: .milliseconds(250)))
        guard case .pending(let sent) = try h.write("late", to: "127.0.9.1") else {
            Issue.record("a delayed write has no flow yet")
            return
        }
        h.loop.advanceTime(by: .milliseconds(249))
        #expect(h.sentIDs.isEmpty)
        h.loop.advanceTime(by: .milliseconds(1))
        #expect(h.sentAtMilliseconds == [250])
        #expect(try sent.wait().remoteAddress.ipAddress == "127.0.9.1")
        #expect((h.inner as? WritingTransport)?.writes == 0, "it went the send's way, after the delay")
    }

    @Test func theFaultsInForceCanBeChangedOneAtATime() throws {
        let h = Harness()
        _ = h.wrapper.updateFaults { $0.blockedHosts.insert("127.0.9.1") }
        _ = h.wrapper.updateFaults { $0.blockedHosts.insert("127.0.9.2") }
        _ = h.wrapper.updateFaults { $0.delay = .milliseconds(5) }
        h.loop.run()
        #expect(h.wrapper.currentFaults == .init(blockedHosts: ["127.0.9.1", "127.0.9.2"], delay: .milliseconds(5)))
    }
}

extension InMemoryTransport {
    /// An OPTIONS with this Call-ID, received over UDP from `host`:5060.
    fileprivate func receive(_ callID: String, from host: String) {
        receive(
            makeRequest(.options, transport: .udp, callID: callID),
            from: try! SocketAddress(ipAddress: host, port: 5060))
    }

    /// The UDP flow to `host`:5060.
    fileprivate func flow(to host: String) -> SIPFlow {
        flow(to: try! SocketAddress(ipAddress: host, port: 5060))
    }
}
