import NIOCore
import Testing

@testable import SIPTransaction

/// The give-up time learns from the site: a phone's exchanges with one site over a link with delay,
/// jitter and loss, on a virtual clock with a fixed seed (``SiteLinkSimulation``).
@Suite("Learned give-up on a lossy link (virtual clock, fixed seed)")
struct LearnedGiveUpTests {
    /// 100 ms round trip: 50 ms ± 10 ms each way (so ±20 ms on the round trip), 10 % loss each way.
    static let hundredMs = LossyLink(delay: .milliseconds(50), jitter: .milliseconds(10), loss: 0.10)

    @Test(
        "100 ms RTT, ±20 ms jitter, 10 % loss each way: 200 dials (with a probe before each) give up on the live site at most twice"
    )
    func lossyLinkRarelyFailsOver() {
        var sim = SiteLinkSimulation(toSite: Self.hundredMs, toPhone: Self.hundredMs, seed: 0x5EED_0015)
        _ = sim.exchange(invite: false)  // the REGISTER
        var unneeded = 0
        var giveUps: [Int64] = []
        var answeredAfterRetransmission = 0
        for _ in 0..<200 {
            _ = sim.exchange(invite: false)  // an OPTIONS probe
            giveUps.append(sim.giveUp.nanoseconds / 1_000_000)
            switch sim.exchange(invite: true) {
            case .gaveUp: unneeded += 1
            case .answered(let after) where after > .milliseconds(150): answeredAfterRetransmission += 1
            case .answered: break
            }
        }
        #expect(unneeded <= 2, "\(unneeded) failovers of 200 dials that were not needed")
        // The loss was real: many dials were only answered thanks to a retransmission.
        #expect(answeredAfterRetransmission >= 20, "\(answeredAfterRetransmission)")
        // The give-up was learned: well below the 4 s of no knowledge, above the loopback floor.
        let mean = giveUps.reduce(0, +) / Int64(giveUps.count)
        #expect((900...2000).contains(mean), "mean give-up \(mean) ms")
        #expect(giveUps.max()! < 4000)
        print(
            "learned-give-up 100ms-10%: dials=200 needless-failovers=\(unneeded) answered-after-retransmission=\(answeredAfterRetransmission) give-up mean=\(mean)ms min=\(giveUps.min()!)ms max=\(giveUps.max()!)ms"
        )
    }

    @Test("the same link with a silent site: the dial gives up within 2 s (not 4 s), after several retransmissions")
    func silentSiteOnLossyLink() {
        var sim = SiteLinkSimulation(toSite: Self.hundredMs, toPhone: Self.hundredMs, seed: 0x5EED_0015)
        for _ in 0..<20 { _ = sim.exchange(invite: false) }
        sim.siteAnswers = false
        let sentBefore = sim.transmissions
        guard case .gaveUp(let after) = sim.exchange(invite: true) else {
            Issue.record("a silent site answered")
            return
        }
        print("learned-give-up silent site over 100ms-10%: gave up after \(after.nanoseconds / 1_000_000)ms")
        #expect(after < .seconds(2) && after > .milliseconds(800), "\(after)")
        #expect(sim.transmissions - sentBefore == AdaptiveTimerPolicy.transmissionsBeforeGiveUp)
    }

    @Test(
        "the give-up is learned: at 300 ms RTT it is longer than at 100 ms, and both differ from the floor and the ceiling"
    )
    func giveUpFollowsRoundTrip() {
        func learned(oneWay: Int64) -> TimeAmount {
            let link = LossyLink(delay: .milliseconds(oneWay), jitter: .milliseconds(10), loss: 0.10)
            var sim = SiteLinkSimulation(toSite: link, toPhone: link, seed: 0x5EED_0300)
            for _ in 0..<30 {
                _ = sim.exchange(invite: false)
                _ = sim.exchange(invite: true)
            }
            return sim.giveUp
        }
        let at100 = learned(oneWay: 50)
        let at300 = learned(oneWay: 150)
        print(
            "learned-give-up rtt=100ms: \(at100.nanoseconds / 1_000_000)ms rtt=300ms: \(at300.nanoseconds / 1_000_000)ms"
        )
        #expect(at300 > at100, "\(at300) vs \(at100)")
        #expect(at300 - at100 > .milliseconds(1000), "\(at300) vs \(at100)")
        for giveUp in [at100, at300] {
            #expect(giveUp > AdaptiveTimerPolicy.giveUpFloor && giveUp < .seconds(4), "\(giveUp)")
        }
    }
}
