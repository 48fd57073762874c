import NIOConcurrencyHelpers
import NIOCore

/// How late a 10 ms tick runs on each of the phone's loops: the time other work holds a loop before a
/// due timer gets it (head-of-line blocking), which is what a phone sharing loops with other phones
/// makes them wait. Every tick records `now − (previous tick + 10 ms)`.
final class LoopLateness: Sendable {
    private struct Samples {
        var lateness: [Int64] = []
        var previous: NIODeadline?
    }
    private let loops: [any EventLoop]
    private let boxes: [NIOLockedValueBox<Samples>]
    private let tasks: NIOLockedValueBox<[RepeatedTask]>
    static let tick = TimeAmount.milliseconds(10)

    init(loops: [any EventLoop]) {
        self.loops = loops
        self.boxes = loops.map { _ in NIOLockedValueBox(Samples()) }
        self.tasks = NIOLockedValueBox([])
    }

    func start() {
        for (loop, box) in zip(loops, boxes) {
            let task = loop.scheduleRepeatedTask(initialDelay: Self.tick, delay: Self.tick) { _ in
                let now = NIODeadline.now()
                box.withLockedValue { s in
                    if let previous = s.previous, s.lateness.count < 1_000_000 {
                        s.lateness.append((now - previous - Self.tick).nanoseconds)
                    }
                    s.previous = now
                }
            }
            tasks.withLockedValue { $0.append(task) }
        }
    }

    /// Stops the ticks and returns, per loop, the 99th percentile and the maximum lateness in ms.
    func stop() -> [(p99: Double, max: Double, ticks: Int)] {
        tasks.withLockedValue { all in
            for t in all { t.cancel() }
            all = []
        }
        return boxes.map { box in
            let sorted = box.withLockedValue { $0.lateness }.sorted()
            guard let last = sorted.last else { return (0, 0, 0) }
            let p99 = sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
            return (Double(p99) / 1e6, Double(last) / 1e6, sorted.count)
        }
    }
}
