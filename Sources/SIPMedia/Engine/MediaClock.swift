import NIOCore
import SIPCore
import Synchronization

/// The packet clock of one event loop: one timer every ``tick`` drives every RTP stream on the loop,
/// instead of a timer per call (500 calls would be 25,000 timer wake-ups a second).
///
/// Streams send on the tick grid: a stream joins on the least-loaded of the ``phases`` that divide a
/// 20 ms packet interval, so 500 calls become four batches of 125 a quarter-interval apart rather than
/// one burst of 500. A slot is *late* when its packet leaves more than ``lateThreshold`` after the tick
/// it belongs to; the clock keeps those figures for the benchmark and the metrics.
///
/// Ticks are scheduled at absolute deadlines from the clock's origin, so a slow tick does not push the
/// next one back (no drift); when the loop was stalled past several ticks, the missed ticks run at once
/// (their packets late and counted) rather than being silently skipped.
package final class MediaClock: @unchecked Sendable {
    // @unchecked: everything but `figures` is touched only on `eventLoop`.

    package static let tick = TimeAmount.milliseconds(5)
    /// Ticks in a 20 ms interval: the phases a stream may take.
    package static let phases = 4
    /// A packet more than 5 ms behind its schedule is late: the SDK's own bound (no RFC sets one).
    package static let lateThreshold = TimeAmount.milliseconds(5)

    /// What the clock has measured since it started; readable from any thread.
    package struct Figures: Hashable, Sendable {
        package var slots = 0
        package var lateSlots = 0
        package var maximumLateness = TimeAmount.zero
    }

    package let eventLoop: any EventLoop
    /// The random SSRC, first sequence number and first timestamp of every stream started on the
    /// loop (RFC 3550 §5.1, §8.1); used on ``eventLoop`` only.
    var random = BufferedSystemRandom()
    private var members: [ObjectIdentifier: any MediaClockMember] = [:]
    private var phaseLoad = [Int](repeating: 0, count: MediaClock.phases)
    private var origin: NIODeadline?
    private var tickIndex: Int64 = 0
    private var scheduled: Scheduled<Void>?
    private var pending = Figures()
    private let shared = Mutex(Figures())

    package init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    package var figures: Figures { shared.withLock { $0 } }
    package var memberCount: Int {
        eventLoop.assertInEventLoop()
        return members.count
    }

    /// Adds a stream; returns its first slot's deadline, on the grid and in its phase.
    package func join(_ member: any MediaClockMember) -> (deadline: NIODeadline, phase: Int) {
        eventLoop.assertInEventLoop()
        let now = NIODeadline.now()
        if origin == nil || members.isEmpty {
            origin = now
            tickIndex = 0
        }
        members[ObjectIdentifier(member)] = member
        let phase = phaseLoad.indices.min { phaseLoad[$0] < phaseLoad[$1] } ?? 0
        phaseLoad[phase] += 1
        // The first tick of that phase after the next tick.
        let base = tickIndex + 1
        let offset = (Int64(phase) - base % Int64(Self.phases) + Int64(Self.phases)) % Int64(Self.phases)
        let deadline = deadline(ofTick: base + offset)
        if scheduled == nil { schedule() }
        return (deadline, phase)
    }

    package func leave(_ member: any MediaClockMember, phase: Int) {
        eventLoop.assertInEventLoop()
        guard members.removeValue(forKey: ObjectIdentifier(member)) != nil else { return }
        if phaseLoad.indices.contains(phase) { phaseLoad[phase] = max(0, phaseLoad[phase] - 1) }
        if members.isEmpty {
            scheduled?.cancel()
            scheduled = nil
        }
    }

    /// A member tells the clock how late one of its slots went out.
    package func recordSlot(lateness: TimeAmount) {
        pending.slots += 1
        if lateness > Self.lateThreshold { pending.lateSlots += 1 }
        if lateness > pending.maximumLateness { pending.maximumLateness = lateness }
    }

    private func deadline(ofTick index: Int64) -> NIODeadline {
        (origin ?? .now()) + Self.tick * index
    }

    private func schedule() {
        let next = tickIndex + 1
        scheduled = eventLoop.scheduleTask(deadline: deadline(ofTick: next)) { [weak self] in
            self?.fire(next)
        }
    }

    private func fire(_ index: Int64) {
        tickIndex = index
        let now = NIODeadline.now()
        for member in members.values { member.clockTick(now: now) }
        if pending.slots > 0 {
            let batch = pending
            pending = Figures()
            shared.withLock {
                $0.slots += batch.slots
                $0.lateSlots += batch.lateSlots
                $0.maximumLateness = max($0.maximumLateness, batch.maximumLateness)
            }
        }
        guard !members.isEmpty else {
            scheduled = nil
            return
        }
        schedule()
    }
}

/// A stream the clock drives.
package protocol MediaClockMember: AnyObject {
    /// Called on every tick; the member sends whatever slots are due by `now`.
    func clockTick(now: NIODeadline)
}
