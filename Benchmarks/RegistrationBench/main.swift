import Foundation
import NIOCore
import NIOPosix
import RegistrationLoad
import SipEndpoint

// The registration benchmark — the agent-desktop back end: one Phone holding `--dns` DNs × `--sites` sites
// (default 10,000 × 2 = 20,000 registrations, digest on) against registrars on loopback UDP (a child process).
//
//   swift run -c release RegistrationBench [--dns 10000] [--sites 2] [--lifetime 60] [--options 0]
//                                          [--settle 35] [--window 60] [--ready-timeout 60]
//                                          [--registrars child|in-process] [--loops N | --singleton]
//
// Prints the time until every connection is ready, the phone loop's CPU share while refreshing, and the
// resident memory per registration; the last line is `registrations-ready-seconds: <number>`.
// How each figure is taken is written beside it below and in docs/PERFORMANCE.md.
#if canImport(Glibc)
import Glibc
#endif

/// glibc's malloc_trim (not in the Glibc module): hands free heap pages back to the kernel, so RSS
/// counts live memory rather than what the allocator keeps after a burst.
@_silgen_name("malloc_trim") func malloc_trim(_ pad: Int) -> Int32
/// glibc's malloc_info: per-arena heap statistics as XML (`--malloc-info FILE`, to see whose memory it is:
/// each NIO thread allocates from its own arena).
@_silgen_name("malloc_info") func malloc_info(_ options: Int32, _ stream: UnsafeMutablePointer<FILE>?) -> Int32

struct Options {
    var dns = 10_000
    /// `--loops N`: the phone on a group of N loops of the bench's, its lines spread over them; 0: one
    /// loop, as 1.
    var loops = 0
    /// `--singleton`: the phone on NIO's `MultiThreadedEventLoopGroup.singleton` (one loop per core).
    var singleton = false
    var sites = 2
    /// `reregister_in_seconds` of every connection.
    var lifetime = 60
    /// `options_interval`; 0 (off) for the registration figure.
    var options = 0
    /// Seconds after all are ready before the settled memory reading and the CPU window: long enough
    /// for the start-up's transactions to end (the registrar's server transactions wait Timer J, 32 s),
    /// short enough that the first refreshes (at 90 % of the lifetime) have not begun.
    var settle = 35
    /// Length of the CPU window, seconds; 60 holds one refresh of every binding at a 60 s lifetime.
    var window = 60
    var readyTimeout = 60
    var mallocInfoPath: String?
    /// Where the registrars run: `child` (default, the memory read is the phone's alone) or `in-process`.
    var registrarsInProcess = false
    /// Exit right after the settled reading, phone still up: a heap profiler (heaptrack) then lists
    /// what a settled registration keeps as "leaked" at exit.
    var exitWhenSettled = false

    init(_ arguments: [String]) {
        var i = 0
        func value() -> Int {
            i += 1
            guard i < arguments.count, let v = Int(arguments[i]), v >= 0 else {
                fatalError("\(arguments[i - 1]) needs a non-negative integer")
            }
            return v
        }
        while i < arguments.count {
            switch arguments[i] {
            case "--dns": dns = max(1, min(value(), 50_000))
            case "--loops": loops = max(0, min(value(), 64))
            case "--sites": sites = max(1, min(value(), 4))
            case "--lifetime": lifetime = max(1, value())
            case "--options": options = value()
            case "--settle": settle = min(value(), 600)
            case "--window": window = max(1, min(value(), 3600))
            case "--ready-timeout": readyTimeout = max(1, min(value(), 600))
            case "--registrars":
                i += 1
                guard i < arguments.count, ["child", "in-process"].contains(arguments[i]) else {
                    fatalError("--registrars needs child or in-process")
                }
                registrarsInProcess = arguments[i] == "in-process"
            case "--exit-when-settled": exitWhenSettled = true
            case "--singleton": singleton = true
            case "--malloc-info":
                i += 1
                guard i < arguments.count else { fatalError("--malloc-info needs a file") }
                mallocInfoPath = arguments[i]
            default: fatalError("unknown argument \(arguments[i])")
            }
            i += 1
        }
    }
}

/// Resident set size from /proc/self/statm (second field, in pages).
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

func seconds(_ t: timespec) -> Double { Double(t.tv_sec) + Double(t.tv_nsec) / 1e9 }
func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }

/// CPU time of the thread that runs `loop`, read on that thread.
func threadCPUSeconds(on loop: any EventLoop) async throws -> Double {
    try await loop.submit { () -> Double in
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return seconds(t)
    }.get()
}

/// User + system CPU of the whole process (phone, registrars, this task).
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Writes a line at once, also into a pipe or a file (print's buffer would hold it until exit).
func say(_ text: String) {
    var line = text + "\n"
    line.withUTF8 { bytes in _ = write(1, bytes.baseAddress, bytes.count) }
}

func fmt(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }

if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "--serve-registrars" {
    try await serveRegistrars(sites: Int(CommandLine.arguments[2]) ?? 2)
}
let options = Options(Array(CommandLine.arguments.dropFirst()))
let total = options.dns * options.sites
say("RegistrationBench: \(options.dns) DNs × \(options.sites) sites = \(total) registrations, UDP, digest MD5 qop=auth")
say(
    "  reregister_in_seconds=\(options.lifetime), options_interval=\(options.options)"
        + (options.options == 0 ? " (probes off for the registration figure)" : ""))

let sites: any Registrars =
    options.registrarsInProcess
    ? InProcessRegistrars(sites: try await LoadSites.start(sites: options.sites))
    : try ChildRegistrars(sites: options.sites)
say(
    options.registrarsInProcess
        ? "  registrars in this process (their memory and CPU are counted with the phone's)"
        : "  registrars in a child process: the memory and process CPU below are the phone's alone")
_ = malloc_trim(0)
let rssBefore = residentBytes()
/// Threads of this process (/proc/self/task): what the phone adds besides the registrars' loop.
func threadCount() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0 }
let phoneGroup: any EventLoopGroup =
    options.singleton
    ? MultiThreadedEventLoopGroup.singleton : MultiThreadedEventLoopGroup(numberOfThreads: max(1, options.loops))
// The group's threads exist before counting: the phone may add none besides them.
for loop in phoneGroup.makeIterator() { try await loop.submit {}.get() }
let threadsBefore = threadCount()
let phone = Phone(
    configuration: RegistrationLoad.configuration(
        dns: options.dns, sites: sites.addresses, reregisterInSeconds: options.lifetime,
        optionsInterval: options.options),
    eventLoopGroup: phoneGroup)
let events = phone.connectionManager.statusChanges
// A 10 ms tick on each of the phone's loops from start() until all are ready: how long the start's
// work holds a loop before a due timer runs (what other phones on a shared loop would wait).
let lateness = LoopLateness(loops: phone.eventLoops)
lateness.start()
let started = ContinuousClock.now
try await phone.start()
// While waiting, one progress line a second from the registrars' side (bounded by the ready timeout).
let progress = Task {
    for second in 1...options.readyTimeout {
        try await Task.sleep(for: .seconds(1))
        let c = try await sites.counters()
        say(
            "  \(second) s: registrar sent \(c.challenges) challenges, accepted \(c.accepted), holds \(c.bindings) bindings"
        )
    }
}
let ready = await RegistrationLoad.waitUntilReady(
    events, count: total, timeout: .seconds(options.readyTimeout), connections: { phone.connectionManager.connections })
progress.cancel()
let late = lateness.stop()
let readySeconds = ready.finishedAt.map {
    Double(($0 - started).components.attoseconds) / 1e18 + Double(($0 - started).components.seconds)
}
let rssReady = residentBytes()
let threadsAdded = threadCount() - threadsBefore
say("threads added by the phone: \(threadsAdded) (beyond the group's)")
for (index, l) in late.enumerated() {
    say(
        "loop \(index): a 10 ms tick ran late by \(fmt(l.p99, 1)) ms at the 99th percentile, \(fmt(l.max, 1)) ms at most (\(l.ticks) ticks)"
    )
}
let afterStart = try await sites.counters()
let snapshotReady = phone.connectionManager.connections.filter { $0.status == .ready }.count
say(
    "ready: \(ready.ready)/\(total) by events, \(snapshotReady)/\(total) in the snapshot, other statuses seen: \(ready.otherStatuses)"
        + ", events lost by the slow reader: \(ready.droppedEvents)")
for (reason, count) in ready.reasons.sorted(by: { $0.value > $1.value }) { say("  \(count)× \(reason)") }
say(
    "registrar after start: \(afterStart.challenges) challenges (401), \(afterStart.accepted) accepted with digest, "
        + "\(afterStart.rejected) rejected, \(afterStart.bindings) bindings")
if let readySeconds {
    say(
        "time from start() until all \(total) ready: \(fmt(readySeconds, 3)) s (\(fmt(Double(total) / readySeconds, 0)) registrations/s)"
    )
} else {
    say("NOT all ready within \(options.readyTimeout) s")
}
say(
    "resident memory: \(rssBefore / 1024) KiB before the phone, \(rssReady / 1024) KiB when all ready → "
        + "\(fmt(Double(rssReady - rssBefore) / Double(total) / 1024)) KiB per registration"
        + (options.registrarsInProcess ? " (registrar's state included)" : "")
)

// Settled: the start-up's transactions have ended on both sides; freed heap pages are handed back
// (malloc_trim) so the reading counts what is alive: the phone's state and the registrar's bindings.
try await Task.sleep(for: .seconds(options.settle))
_ = malloc_trim(0)
let rssSettled = residentBytes()
if let path = options.mallocInfoPath, let file = fopen(path, "w") {
    _ = malloc_info(0, file)
    fclose(file)
}
say(
    "resident memory \(options.settle) s after all ready, heap trimmed: \(rssSettled / 1024) KiB → "
        + "\(fmt(Double(rssSettled - rssBefore) / Double(total) / 1024)) KiB per registration"
        + (options.registrarsInProcess ? " (registrar's bindings included)" : "")
)

if options.exitWhenSettled {
    await sites.shutdown()
    exit(0)
}

// Steady state: the CPU window opens then and lasts `window` s; at a 60 s lifetime every binding
// refreshes once in a 60 s window (at 90 % of its lifetime, 54 s after it registered).
let loopCPU0 = try await threadCPUSeconds(on: phone.eventLoop)
let registrarCPU0 = try await sites.loopCPUSeconds()
let processCPU0 = processCPUSeconds()
let counters0 = try await sites.counters()
let wall0 = ContinuousClock.now
try await Task.sleep(for: .seconds(options.window))
let loopCPU1 = try await threadCPUSeconds(on: phone.eventLoop)
let registrarCPU1 = try await sites.loopCPUSeconds()
let processCPU1 = processCPUSeconds()
let counters1 = try await sites.counters()
let wall =
    Double((ContinuousClock.now - wall0).components.seconds) + Double(
        (ContinuousClock.now - wall0).components.attoseconds) / 1e18
_ = malloc_trim(0)
let rssSteady = residentBytes()
let refreshes = counters1.accepted - counters0.accepted
let loopShare = (loopCPU1 - loopCPU0) / wall * 100
say(
    "steady window: \(fmt(wall, 1)) s from \(options.settle) s after all ready; \(refreshes) refreshes accepted, "
        + "\(counters1.challenges - counters0.challenges) new challenges, \(counters1.options - counters0.options) OPTIONS"
)
say(
    "phone loop thread CPU: \(fmt(loopCPU1 - loopCPU0, 3)) s → \(fmt(loopShare)) % of one core"
        + (refreshes > 0 ? " (\(fmt((loopCPU1 - loopCPU0) / Double(refreshes) * 1e6, 1)) µs per refresh)" : ""))
say(
    "registrar loop thread CPU: \(fmt((registrarCPU1 - registrarCPU0) / wall * 100)) % of one core; "
        + "whole process (getrusage\(options.registrarsInProcess ? ", registrar included" : "")): \(fmt((processCPU1 - processCPU0) / wall * 100)) % of one core"
)
say(
    "resident memory at the end of the window, heap trimmed: \(rssSteady / 1024) KiB → "
        + "\(fmt(Double(rssSteady - rssBefore) / Double(total) / 1024)) KiB per registration")

let shutdownStarted = ContinuousClock.now
await phone.shutdown()
await sites.shutdown()
say("shutdown (un-REGISTER all): \(ContinuousClock.now - shutdownStarted)")
say("refresh-cpu-percent: \(fmt(loopShare))")
say(
    "agents: \(options.dns); rss-kib-per-agent-settled: \(fmt(Double(rssSettled - rssBefore) / Double(options.dns) / 1024))"
)
say("threads-added: \(threadsAdded)")
say("loop-lateness-ms-p99: \(fmt(late.map(\.p99).max() ?? 0, 1))")
say("loop-lateness-ms-max: \(fmt(late.map(\.max).max() ?? 0, 1))")
say("rss-kib-per-registration-at-ready: \(fmt(Double(rssReady - rssBefore) / Double(total) / 1024))")
say("rss-kib-per-registration-settled: \(fmt(Double(rssSettled - rssBefore) / Double(total) / 1024))")
say("registrations-ready-seconds: \(readySeconds.map { fmt($0, 3) } ?? "timeout")")
