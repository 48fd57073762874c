import NIOCore

@testable import SIPTransaction

/// A clock the tests move by hand, and the timers a machine asked for, as a driver would keep
/// them: one deadline per timer, replaced by a new `.schedule`, removed by `.cancel`.
struct MockTimers {
    var now: NIODeadline
    private(set) var pending: [TransactionTimer: NIODeadline] = [:]
    private(set) var terminated = false
    /// Every action performed, with the time it was performed at (ms since the start).
    private(set) var log: [(ms: Int64, action: TransactionAction)] = []
    let start: NIODeadline

    init(start: NIODeadline = .uptimeNanoseconds(1_000_000_000)) {
        self.start = start
        self.now = start
    }

    var elapsedMilliseconds: Int64 { (now - start).nanoseconds / 1_000_000 }

    mutating func perform(_ actions: TransactionActions) {
        for action in actions {
            log.append((elapsedMilliseconds, action))
            switch action {
            case .schedule(let timer, let deadline):
                pending[timer] = deadline
            case .cancel(let timer):
                pending[timer] = nil
            case .terminated:
                terminated = true
            default:
                break
            }
        }
    }

    /// The earliest pending timer, removed from the pending set, with the clock moved to it.
    mutating func advanceToNextTimer() -> TransactionTimer? {
        guard let (timer, deadline) = pending.min(by: { ($0.value, $0.key.rawValue) < ($1.value, $1.key.rawValue) })
        else { return nil }
        pending[timer] = nil
        now = deadline
        return timer
    }

    mutating func advance(by amount: TimeAmount) {
        now = now + amount
    }

    /// Deadline of a pending timer, in ms from the start.
    func deadlineMilliseconds(of timer: TransactionTimer) -> Int64? {
        pending[timer].map { ($0 - start).nanoseconds / 1_000_000 }
    }

    /// When each matching action happened, in ms since the start.
    func times(of predicate: (TransactionAction) -> Bool) -> [Int64] {
        log.filter { predicate($0.action) }.map(\.ms)
    }

    var requestTransmissionTimes: [Int64] {
        times { if case .transmitRequest = $0 { true } else { false } }
    }

    var responseRetransmissionTimes: [Int64] {
        times { $0 == .retransmitResponse }
    }

    var failures: [TransactionFailure] {
        log.compactMap { if case .reportFailure(let failure) = $0.action { failure } else { nil } }
    }
}

/// Runs a machine's timers until it terminates or has none left; bounded so that a bug cannot
/// loop for ever.
func runTimers(_ clock: inout MockTimers, limit: Int = 200, fire: (TransactionTimer, NIODeadline) -> TransactionActions)
{
    var steps = 0
    while !clock.terminated, steps < limit, let timer = clock.advanceToNextTimer() {
        clock.perform(fire(timer, clock.now))
        steps += 1
    }
}
