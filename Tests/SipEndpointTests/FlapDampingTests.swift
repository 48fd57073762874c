import Foundation
import NIOCore
import Testing

@testable import SipEndpoint

/// Flap damping as a pure machine on a virtual clock: a penalty of 1 per failure halving every
/// half-life, suppressed above 1.5, usable again at 1, never held longer than the maximum.
@Suite("Flap damping")
struct FlapDampingTests {
    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
    static func at(_ seconds: Double) -> NIODeadline { start + .nanoseconds(Int64(seconds * 1e9)) }
    static let lab = FlapDamping.Policy(halfLife: .seconds(10), maximumHoldDown: .seconds(30))

    /// Seconds from `now` to the hold-down's end, nil when usable.
    static func holdDown(_ machine: inout FlapDamping, at now: Double) -> Double? {
        switch machine.verdict(now: at(now)) {
        case .usable: nil
        case .holdDown(let until): Double((until - at(now)).nanoseconds) / 1e9
        }
    }

    @Test("The first recovery after a single outage is immediate, however long or short the outage")
    func singleOutage() {
        for outage in [0.1, 2.5, 600] {
            var m = FlapDamping(policy: Self.lab)
            m.failed(now: Self.at(0))
            #expect(Self.holdDown(&m, at: outage) == nil, "outage \(outage) s")
        }
    }

    @Test("Two failures far apart (more than a half-life) are two single outages")
    func failuresFarApart() {
        var m = FlapDamping(policy: Self.lab)
        m.failed(now: Self.at(0))
        #expect(Self.holdDown(&m, at: 2) == nil)
        m.failed(now: Self.at(12))
        #expect(Self.holdDown(&m, at: 14) == nil)
    }

    @Test(
        "The lab's four swings (2.5 s silent, 2 s answering): held down from the second, longer each time, stable time ends it"
    )
    func fourSwings() {
        var m = FlapDamping(policy: Self.lab)
        var holds: [Double?] = []
        for swing in 0..<4 {
            let t = Double(swing) * 4.5
            m.failed(now: Self.at(t + 1.5))  // detected 1.5 s into the silence
            holds.append(Self.holdDown(&m, at: t + 3))  // registered 0.5 s after it answers
        }
        #expect(holds[0] == nil)
        let later = holds.dropFirst().compactMap { $0 }
        #expect(later.count == 3, "\(holds)")
        // Penalty 1.73 → hold 7.9 s from its failure, then 2.27, 2.66: longer each flap.
        #expect(later == later.sorted() && Set(later).count == 3, "\(later)")
        #expect(abs(later[0] - (10 * log2(1 + exp2(-0.45)) - 1.5)) < 0.01, "\(later[0])")
        // Each hold outlasts the next swing's failure (≤ 4.5 s away), so no swing in between is ready.
        #expect(later.allSatisfy { $0 > 4.5 })
        // Steady from 16 s (the last thaw): usable within 20 s of it, and not before the deadline.
        let end = 16.5 + later[2]
        #expect(end < 16 + 20, "ready at \(end) s")
        #expect(Self.holdDown(&m, at: end - 0.5) != nil)
        #expect(Self.holdDown(&m, at: end + 0.001) == nil)
    }

    @Test("A site flapping for ever is held down at most flap_hold_down_max")
    func capped() {
        var m = FlapDamping(policy: FlapDamping.Policy(halfLife: .seconds(100), maximumHoldDown: .seconds(300)))
        for i in 0..<200 { m.failed(now: Self.at(Double(i))) }
        let hold = Self.holdDown(&m, at: 199.5) ?? 0
        #expect(hold <= 300 && hold > 290, "\(hold)")
    }

    @Test("A failure after the penalty decayed back to the reuse level is a single outage again")
    func suppressionDecays() {
        var m = FlapDamping(policy: Self.lab)
        m.failed(now: Self.at(0))
        m.failed(now: Self.at(1))  // suppressed, penalty ≈ 1.93
        // Failed all along, no recovery asked: still suppressed, so the driver keeps it.
        #expect(!m.isForgettable(at: Self.at(30)))
        m.failed(now: Self.at(60))
        #expect(Self.holdDown(&m, at: 62) == nil)
    }

    @Test("Zero window: damping off")
    func off() {
        var m = FlapDamping(policy: FlapDamping.Policy(halfLife: .zero, maximumHoldDown: .seconds(30)))
        for i in 0..<5 { m.failed(now: Self.at(Double(i))) }
        #expect(Self.holdDown(&m, at: 5) == nil)
    }

    @Test("Auto values scale with the probe interval; numbers fix them")
    func autoPolicy() {
        var policy = FailoverPolicy()
        #expect(
            policy.flapDamping(optionsInterval: 1)
                == FlapDamping.Policy(halfLife: .seconds(10), maximumHoldDown: .seconds(30)))
        #expect(
            policy.flapDamping(optionsInterval: 0)
                == FlapDamping.Policy(halfLife: .seconds(100), maximumHoldDown: .seconds(300)))
        policy.flapWindowSeconds = 20
        policy.flapHoldDownMaxSeconds = 40
        #expect(
            policy.flapDamping(optionsInterval: 5)
                == FlapDamping.Policy(halfLife: .seconds(20), maximumHoldDown: .seconds(40)))
    }

    // MARK: Dial order

    typealias M = DialFailoverMachine

    @Test("A dial uses a recovering connection only after every ready one of the line")
    func recoveringIsTriedAfterReady() {
        let candidates = [
            M.Candidate(connectionId: 0, isReady: false, isRecovering: true),
            M.Candidate(connectionId: 1, isReady: false),
            M.Candidate(connectionId: 2, isReady: true),
        ]
        var m = M(requested: 0, candidates: candidates)
        #expect(
            m.start(requested: 0) == [
                .failedOver(from: 0, to: 2, cause: .connectionNotReady), .attempt(connectionId: 2, targetIndex: 0),
            ])
        #expect(
            m.attemptEnded(.timeout).suffix(2) == [
                .failedOver(from: 2, to: 0, cause: .timeout), .attempt(connectionId: 0, targetIndex: 0),
            ])
        #expect(
            m.attemptEnded(.timeout).suffix(2) == [
                .failedOver(from: 0, to: 1, cause: .timeout), .attempt(connectionId: 1, targetIndex: 0),
            ])
    }

    @Test("With no ready connection, a recovering one is tried before a failed one")
    func recoveringBeforeFailed() {
        let candidates = [
            M.Candidate(connectionId: 0, isReady: false),
            M.Candidate(connectionId: 1, isReady: false, isRecovering: true),
        ]
        var m = M(requested: 0, candidates: candidates)
        #expect(m.start(requested: 0).last == .attempt(connectionId: 1, targetIndex: 0))
    }
}
