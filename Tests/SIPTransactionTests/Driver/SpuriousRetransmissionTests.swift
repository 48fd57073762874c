import NIOCore
import NIOEmbedded
import SIPCore
import SIPTestSupport
import SIPTransport
import Testing

@testable import SIPTransaction

/// A retransmission that was not needed backs the target's T1 off: the detector as a value, and the
/// driver on a virtual clock over an in-memory transport.
@Suite("Spurious retransmissions back T1 off (RFC 6298 §5.5)")
struct SpuriousRetransmissionTests {
    @Test(
        "a status repeated after a retransmission reports once; a repeat of a request sent once, or statuses that move on, do not"
    )
    func detector() {
        /// What the detector reports for each (status, transmissions) in turn.
        func reports(_ answers: [(Int, Int)], backedOffAfterFirst: Bool = false) -> [Bool] {
            var detector = SpuriousRetransmissionDetector()
            var result: [Bool] = []
            for (index, (code, transmissions)) in answers.enumerated() {
                result.append(detector.answer(statusCode: code, transmissions: transmissions))
                if index == 0 && backedOffAfterFirst { detector.alreadyBackedOff() }
            }
            return result
        }
        #expect(
            reports([(200, 1), (200, 1)]) == [false, false], "a UAS retransmitting its 2xx to a request sent once")
        #expect(
            reports([(100, 2), (180, 2), (200, 2)]) == [false, false, false], "a lost first copy: one answer each")
        #expect(
            reports([(100, 2), (180, 2), (180, 2), (200, 2), (200, 2)]) == [false, false, true, false, false],
            "the copy's answer is the same status again; reported once per transaction")
        #expect(
            reports([(100, 2), (100, 2)], backedOffAfterFirst: true) == [false, false],
            "the first answer already backed the RTO off")
        #expect(reports([(100, 3), (180, 3), (181, 3), (183, 3), (183, 3)]).last == true)
        #expect(
            reports([(100, 3), (180, 3), (181, 3), (183, 3), (200, 3), (200, 3)]).last == false,
            "a fifth distinct status is not remembered")
        #expect(reports([(0, 2), (0, 2), (70_000, 2), (70_000, 2)]) == [false, false, false, false])
        #expect(
            reports([(100, 1), (100, 2), (100, 3)]) == [false, false, false],
            "copies sent after the first answer (a non-INVITE in Proceeding, every T2) say nothing about T1")
    }

    @Test(
        "policy: the back-off doubles the floored T1 (100 → 200 ms on loopback) up to the 1 s ceiling, and the give-up with it"
    )
    func backOffAfterTheFloor() {
        let configured = TimeAmount.milliseconds(500)
        let policy = AdaptiveTimerPolicy()
        var loopback = RoundTripEstimator(firstSample: .milliseconds(2))
        #expect(policy.t1(for: loopback, configured: configured) == .milliseconds(100))
        loopback.backOff()
        #expect(
            loopback.retransmissionTimeout == TimeAmount.milliseconds((2 + 10) * 2),
            "the estimate's own RTO doubles unfloored")
        #expect(policy.t1(for: loopback, configured: configured) == .milliseconds(200))
        // 7·200 + 200 ms.
        #expect(
            policy.giveUp(for: loopback, configured: configured, transactionTimeout: .seconds(4)) == .milliseconds(1600)
        )
        for _ in 0..<10 { loopback.backOff() }
        #expect(policy.t1(for: loopback, configured: configured) == .seconds(1))
        #expect(policy.giveUp(for: loopback, configured: configured, transactionTimeout: .seconds(4)) == .seconds(4))
        loopback.add(.milliseconds(2))
        #expect(
            policy.t1(for: loopback, configured: configured) == .milliseconds(100), "a valid sample ends the back-off")
    }

    @Test(
        "driver: an INVITE retransmitted at the learned 100 ms whose 100 Trying comes twice backs T1 off to 200 ms until the next valid sample; a lost copy does not"
    )
    func driver() throws {
        let transport = InMemoryTransport()
        let site = try SocketAddress(ipAddress: "127.0.0.9", port: 5060)
        /// The site answers `request` with `statusCode` (100 Trying without a To tag).
        func answer(_ request: SIPMessage, _ statusCode: Int) {
            transport.receive(
                request.makeResponse(statusCode: statusCode, toTag: statusCode == 100 ? nil : "uas1"), from: site)
        }
        let layer = SIPTransactionLayer(transport: transport)
        let target = try SIPTransportTarget(transport: .udp, ipAddress: "127.0.0.9", port: 5060)
        let t1 = { layer.retransmissionT1(toward: target) }

        // A sample of 2 ms: T1 is adaptive T1's 100 ms floor.
        let options = makeRequest(.options)
        layer.sendRequest(options, to: target) { _ in }
        transport.loop.advanceTime(by: .milliseconds(2))
        answer(options, 200)
        #expect(t1() == .milliseconds(100))

        // The loop falls behind its socket: the INVITE's 100 Trying is read 20 ms after Timer A's copy.
        let invite = makeRequest(.invite, branch: "z9hG4bK.late")
        layer.sendRequest(invite, to: target) { _ in }
        transport.loop.advanceTime(by: .milliseconds(105))
        #expect(transport.copies(ofBranch: "z9hG4bK.late") == 2)
        transport.loop.advanceTime(by: .milliseconds(20))
        answer(invite, 100)
        #expect(t1() == .milliseconds(100), "one answer after two copies could be a lost copy's")
        answer(invite, 100)
        #expect(t1() == .milliseconds(200), "the second copy was answered too: the first was not lost")
        answer(invite, 180)
        answer(invite, 180)
        #expect(t1() == .milliseconds(200), "once per transaction")

        // A lost first copy: one answer, no back-off; the new INVITE retransmits at 200 ms.
        let lost = makeRequest(.invite, branch: "z9hG4bK.lost")
        layer.sendRequest(lost, to: target) { _ in }
        transport.loop.advanceTime(by: .milliseconds(150))
        #expect(transport.copies(ofBranch: "z9hG4bK.lost") == 1, "backed off: no copy at 100 ms")
        transport.loop.advanceTime(by: .milliseconds(55))
        #expect(transport.copies(ofBranch: "z9hG4bK.lost") == 2)
        transport.loop.advanceTime(by: .milliseconds(5))
        answer(lost, 100)
        answer(lost, 180)
        #expect(t1() == .milliseconds(200))

        // A non-INVITE whose final response comes again after Timer E's copy, once the transaction
        // is in Completed (its compact form absorbs the repeat): it backs off too, to 400 ms.
        let register = makeRequest(.register, branch: "z9hG4bK.register")
        let registerID = try #require(layer.sendRequest(register, to: target) { _ in })
        transport.loop.advanceTime(by: .milliseconds(205))
        #expect(transport.copies(ofBranch: "z9hG4bK.register") == 2)
        transport.loop.advanceTime(by: .milliseconds(5))
        answer(register, 200)
        #expect(layer.completedClientTransaction(registerID) != nil, "in Completed, in its compact form")
        #expect(t1() == .milliseconds(200))
        answer(register, 200)
        #expect(t1() == .milliseconds(400))
        answer(register, 200)
        #expect(t1() == .milliseconds(400), "once per transaction")

        // The next request sent once and answered gives a valid sample: the back-off ends.
        let next = makeRequest(.options)
        layer.sendRequest(next, to: target) { _ in }
        transport.loop.advanceTime(by: .milliseconds(2))
        answer(next, 200)
        #expect(t1() == .milliseconds(100))
        #expect(layer.roundTripEstimate(for: target)?.sampleCount == 2)
        // An OPTIONS sent once and answered twice (a repeat with no retransmission of ours) is no alarm.
        let once = makeRequest(.options)
        layer.sendRequest(once, to: target) { _ in }
        transport.loop.advanceTime(by: .milliseconds(2))
        answer(once, 200)
        answer(once, 200)
        #expect(t1() == .milliseconds(100))
    }
}
