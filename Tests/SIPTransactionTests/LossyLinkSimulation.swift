import NIOCore
import SIPCore
import SIPTransport

@testable import SIPTransaction

/// One direction of a datagram link: a one-way delay of `delay` ± `jitter` (uniform) and a loss rate.
struct LossyLink {
    var delay: TimeAmount
    var jitter: TimeAmount
    var loss: Double

    /// How long a datagram sent now takes, nil when it is lost.
    func transit(using random: inout SeededRandom) -> TimeAmount? {
        guard Double.random(in: 0..<1, using: &random) >= loss else { return nil }
        let spread = jitter.nanoseconds
        return .nanoseconds(delay.nanoseconds + (spread > 0 ? Int64.random(in: -spread...spread, using: &random) : 0))
    }
}

/// A phone's client transactions toward one site over a lossy link, on a virtual clock: the same
/// machines, round-trip table and timer policy as ``SIPTransactionLayer`` uses, and a site whose
/// server transaction answers every copy of the request it gets at once (the INVITE with 100
/// Trying, a retransmitted INVITE with the 100 again, RFC 3261 §17.2.1; OPTIONS with 200).
struct SiteLinkSimulation {
    enum Outcome: Equatable {
        /// The first response came this long after the request.
        case answered(after: TimeAmount)
        /// The dial's give-up (INVITE) or the transaction's Timer F came first.
        case gaveUp(after: TimeAmount)
    }

    let target = try! SIPTransportTarget(transport: .udp, ipAddress: "127.0.0.1", port: 5060)
    let configuration = TransactionTimerConfiguration()
    var policy = AdaptiveTimerPolicy()
    var table = RoundTripTable()
    var toSite: LossyLink
    var toPhone: LossyLink
    var random: SeededRandom
    var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
    /// Whether the site answers at all.
    var siteAnswers = true
    private(set) var transmissions = 0

    init(toSite: LossyLink, toPhone: LossyLink, seed: UInt64) {
        self.toSite = toSite
        self.toPhone = toPhone
        self.random = SeededRandom(seed: seed)
    }

    /// The give-up a dial would use now (`invite_timeout = auto`).
    var giveUp: TimeAmount {
        policy.giveUp(
            for: table.estimate(for: target), configured: configuration.t1,
            transactionTimeout: configuration.transactionTimeout)
    }

    /// Runs one exchange to its first response or its give-up, then lets `pause` pass.
    mutating func exchange(invite: Bool, pause: TimeAmount = .seconds(1)) -> Outcome {
        var timers = configuration
        timers.retransmissionT1 = policy.t1(for: table.estimate(for: target), configured: configuration.t1)
        let start = now
        let giveUpAt: NIODeadline? = invite ? start + giveUp : nil
        var client = ClientMachine(isInvite: invite, isReliable: false, configuration: timers)
        var pending: [TransactionTimer: NIODeadline] = [:]
        var arrivals: [NIODeadline] = []
        var lastSentAt = start
        var ended = false

        func perform(_ actions: TransactionActions, into sim: inout SiteLinkSimulation) {
            for action in actions {
                switch action {
                case .transmitRequest:
                    sim.transmissions += 1
                    lastSentAt = sim.now
                    if sim.siteAnswers, let there = sim.toSite.transit(using: &sim.random),
                        let back = sim.toPhone.transit(using: &sim.random)
                    {
                        arrivals.append(sim.now + there + back)
                    }
                case .schedule(let timer, let deadline): pending[timer] = deadline
                case .cancel(let timer): pending[timer] = nil
                case .reportFailure, .terminated: ended = true
                default: break
                }
            }
        }

        perform(client.start(now: now), into: &self)
        defer { now = max(now, start) + pause }
        while !ended {
            let nextArrival = arrivals.min()
            let nextTimer = pending.min { ($0.value, $0.key.rawValue) < ($1.value, $1.key.rawValue) }
            let candidates = [nextArrival, nextTimer?.value, giveUpAt].compactMap { $0 }
            guard let next = candidates.min() else { break }
            now = next
            if let giveUpAt, next == giveUpAt, nextArrival.map({ $0 >= giveUpAt }) ?? true {
                return .gaveUp(after: now - start)
            }
            if let nextArrival, next == nextArrival {
                table.firstResponse(
                    from: target, sentAt: start, lastSentAt: lastSentAt, transmissions: client.transmissionCount,
                    now: now)
                return .answered(after: now - start)
            }
            if let (timer, _) = nextTimer {
                pending[timer] = nil
                perform(client.timerFired(timer, now: now), into: &self)
            }
        }
        return .gaveUp(after: now - start)
    }
}
