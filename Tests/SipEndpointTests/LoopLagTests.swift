import Foundation
import Logging
import MetricsTestKit
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import SIPTransport
@testable import SipEndpoint

/// The loop-lag rules on a virtual clock (``LoopLagMonitor``), and a phone whose loop is held up
/// recording it in `sipendpoint_loop_lag_seconds` and warning once.
@Suite("Loop lag")
struct LoopLagTests {
    static let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)

    @Test("on time: no lag; early: no lag; the next probe is due an interval after the one that ran")
    func onTime() {
        var monitor = LoopLagMonitor(now: Self.t0)
        #expect(monitor.due == Self.t0 + LoopLagMonitor.interval)
        let onTime = monitor.probeRan(at: monitor.due)
        #expect(onTime.lag == .zero && onTime.warning == nil)
        let early = monitor.probeRan(at: monitor.due - .milliseconds(1))
        #expect(early.lag == .zero && early.warning == nil)
    }

    @Test("a stall counts once: the probe after it is due an interval after it ran, not at its old deadline")
    func aStallCountsOnce() {
        var monitor = LoopLagMonitor(now: Self.t0)
        let stalledUntil = monitor.due + .seconds(1)
        let stalled = monitor.probeRan(at: stalledUntil)
        #expect(stalled.lag == .seconds(1))
        #expect(monitor.due == stalledUntil + LoopLagMonitor.interval)
        #expect(monitor.probeRan(at: monitor.due).lag == .zero)
    }

    @Test("a lag under the threshold records but does not warn; at the threshold it warns")
    func threshold() {
        var monitor = LoopLagMonitor(now: Self.t0)
        let under = monitor.probeRan(at: monitor.due + LoopLagMonitor.warningThreshold - .milliseconds(1))
        #expect(under.lag == .milliseconds(99) && under.warning == nil)
        let at = monitor.probeRan(at: monitor.due + LoopLagMonitor.warningThreshold)
        #expect(at.warning == LoopLagMonitor.Warning(worstLag: .milliseconds(100), lateProbes: 1))
    }

    @Test("a megabyte unread in the listeners' sockets is a late probe even when the loop is on time")
    func unreadBytes() {
        var monitor = LoopLagMonitor(now: Self.t0)
        let under = monitor.probeRan(at: monitor.due, unreadBytes: LoopLagMonitor.unreadWarningBytes - 1)
        #expect(under.lag == .zero && under.warning == nil)
        let at = monitor.probeRan(at: monitor.due, unreadBytes: LoopLagMonitor.unreadWarningBytes)
        #expect(
            at.warning
                == LoopLagMonitor.Warning(
                    worstLag: .zero, mostUnreadBytes: LoopLagMonitor.unreadWarningBytes, lateProbes: 1))
    }

    @Test("at most one warning a minute; the next names the worst lag and the late probes since the last")
    func oneWarningAMinute() {
        var monitor = LoopLagMonitor(now: Self.t0)
        let first = monitor.probeRan(at: monitor.due + .milliseconds(300))
        #expect(first.warning == LoopLagMonitor.Warning(worstLag: .milliseconds(300), lateProbes: 1))
        let warnedAt = monitor.due - LoopLagMonitor.interval
        // Ten seconds on, two more late probes: recorded, not written.
        var now = warnedAt + .seconds(10)
        monitor = Self.ranOnTime(monitor, until: now)
        #expect(monitor.probeRan(at: monitor.due + .milliseconds(700)).warning == nil)
        #expect(monitor.probeRan(at: monitor.due + .milliseconds(150)).warning == nil)
        // A minute after the first warning, the next late probe writes what was held back.
        now = warnedAt + LoopLagMonitor.warningInterval
        monitor = Self.ranOnTime(monitor, until: now)
        let next = monitor.probeRan(at: monitor.due + .milliseconds(120))
        #expect(next.warning == LoopLagMonitor.Warning(worstLag: .milliseconds(700), lateProbes: 3))
        // And the count starts again from there.
        now = now + LoopLagMonitor.warningInterval + .seconds(1)
        monitor = Self.ranOnTime(monitor, until: now)
        let later = monitor.probeRan(at: monitor.due + .milliseconds(200))
        #expect(later.warning == LoopLagMonitor.Warning(worstLag: .milliseconds(200), lateProbes: 1))
    }

    /// Probes run on time until `now` (the clock advanced probe by probe, as the loop would).
    static func ranOnTime(_ monitor: LoopLagMonitor, until now: NIODeadline) -> LoopLagMonitor {
        var monitor = monitor
        while monitor.due < now {
            let (lag, warning) = monitor.probeRan(at: monitor.due)
            precondition(lag == .zero && warning == nil)
        }
        return monitor
    }

    @Test("datagrams that come while the listeners' loop is held are recorded as unread bytes")
    func unreadDatagramsAreRecorded() async throws {
        let metrics = TestMetrics()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let phone = Phone(configuration: fastConfiguration([]), metrics: metrics, eventLoopGroup: group, loops: 1)
        try await phone.start()
        let driver = phone.shards.all[0]
        let listeners = try #require(driver.faults.wrapped as? SIPTransportLayer)  // the test needs its port
        let port = try #require(listeners.localAddresses(for: .udp).first?.port)
        let senderGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)  // not the held loop's
        let sender = try await DatagramBootstrap(group: senderGroup).bind(host: "127.0.0.1", port: 0).get()
        let target = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        // The fault: the listeners' loop held for 600 ms while 500 keep-alive-sized datagrams come. At
        // least one probe runs before NIO has read them all (it reads a bounded number per tick).
        let held = driver.eventLoop.submit { usleep(600_000) }
        let sent = sender.eventLoop.submit {
            for _ in 0..<500 {
                sender.write(
                    AddressedEnvelope(remoteAddress: target, data: sender.allocator.buffer(string: "\r\n\r\n")),
                    promise: nil)
            }
            sender.flush()
        }
        try await sent.get()
        _ = try await held.get()
        let unread = try metrics.expectRecorder("sipendpoint_sip_unread_bytes")
        try await waitUntil(timeout: .seconds(5)) { (unread.values.max() ?? 0) > 0 }
        let most = unread.values.max() ?? 0
        #expect(most > 0, "the probe after the hold found datagrams not yet read")
        #expect(most < Double(8 << 20), "at most the receive buffer (the kernel doubles the 4 MiB asked for)")
        try await sender.close()
        try await senderGroup.shutdownGracefully()
        await phone.shutdown()
        try await group.shutdownGracefully()
    }

    @Test("a phone whose loop is held up 600 ms records the lag and warns once")
    func aHeldUpLoopIsRecordedAndLogged() async throws {
        let metrics = TestMetrics()
        let log = WarningLog()
        // A group of the test's own, so that the loop outlives the phone and can be asked afterwards.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let phone = Phone(
            configuration: fastConfiguration([]), logger: Logger(label: "test", factory: { _ in log }),
            metrics: metrics, eventLoopGroup: group, loops: 1)
        try await phone.start()
        let driver = phone.shards.all[0]
        let loop = driver.eventLoop
        // The fault: a task that keeps the loop for 600 ms (what blocking code in a back end's task on
        // the loop, or a loop starved of a core, does). The probe is due at most 250 ms after it starts,
        // so it runs at least 350 ms late.
        loop.execute { usleep(600_000) }
        let timer = try metrics.expectTimer("sipendpoint_loop_lag_seconds")
        try await waitUntil(timeout: .seconds(5)) { (timer.values.max() ?? 0) >= 340_000_000 }
        let worst = timer.values.max() ?? 0
        #expect(worst >= 340_000_000, "the probe due during the hold ran at least 350 ms late")
        #expect(worst < 5_000_000_000)
        try await waitUntil(timeout: .seconds(2)) { !log.warnings.isEmpty }
        #expect(log.warnings.count == 1)
        #expect(log.warnings.first?.contains("event loop 0 is behind") == true)
        await phone.shutdown()
        let probing = try await loop.submit { driver.lagProbe != nil }.get()
        #expect(!probing, "the probe is cancelled at shutdown")
        try await group.shutdownGracefully()
    }
}

/// The warnings a logger was given.
private final class WarningLog: LogHandler, Sendable {
    private let lines = Mutex<[String]>([])
    var warnings: [String] { lines.withLock { $0 } }

    func log(event: LogEvent) {
        guard event.level == .warning else { return }
        lines.withLock { $0.append("\(event.message)") }
    }

    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }
    var logLevel: Logger.Level {
        get { .info }
        set {}
    }
    subscript(metadataKey _: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }
}
