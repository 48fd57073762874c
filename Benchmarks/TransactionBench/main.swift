// Non-INVITE transactions per second (OPTIONS → 200) between two SIPTransactionLayers over loopback
// UDP, each on its own single-thread event loop: the transaction-throughput benchmark (target ≥ 20,000/s).
//
//   swift run -c release TransactionBench [--count 200000] [--warmup 20000] [--window 64] [--seconds 60]
//
// The client keeps `--window` transactions outstanding; each final response starts the next one.
// The first `--warmup` transactions are not counted. Every transaction is real: the client machine
// runs Timers E/F, the server machine answers through the driver and keeps Timer J (32 s on UDP)
// alive, so the server holds every transaction of the run, as it would in production.
// Before it, `bytes-per-completed-server-transaction: <integer>`: once the client's transactions have
// ended (Timer K, 5 s), the resident memory over the run's start divided by the server transactions
// still alive (completed, waiting for Timer J's 32 s). The last line is `transactions-per-second: <integer>`.
import NIOCore
import NIOPosix
import SIPCore
import SIPTransaction
import SIPTransport

#if canImport(Glibc)
import Glibc
#endif

func argument(_ name: String, default value: Int) -> Int {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: name), i + 1 < args.count, let v = Int(args[i + 1]), v >= 0 else { return value }
    return v
}

let count = max(argument("--count", default: 200_000), 1)
let warmup = argument("--warmup", default: 20_000)
let window = max(argument("--window", default: 64), 1)
let timeLimit = Int64(max(argument("--seconds", default: 60), 1))
let total = warmup + count

/// A memory figure of this process in KiB from /proc/self/status (Linux): `VmHWM:` is the peak
/// resident set, `VmRSS:` the current one.
func statusKilobytes(_ field: String) -> Int? {
    guard let file = fopen("/proc/self/status", "r") else { return nil }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard text.hasPrefix(field) else { continue }
        return text.split(separator: " ").dropFirst().first.flatMap { Int($0) }
    }
    return nil
}

/// Peak resident memory of this process in MB.
func peakResidentMegabytes() -> Int? { statusKilobytes("VmHWM:").map { $0 / 1024 } }

/// CPU time (user + system) this process has used, both event loops together: the figure the
/// machine's other load does not change, unlike the wall-clock rate.
func processCPUMicroseconds() -> Int64 {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let user = Int64(usage.ru_utime.tv_sec) * 1_000_000 + Int64(usage.ru_utime.tv_usec)
    let system = Int64(usage.ru_stime.tv_sec) * 1_000_000 + Int64(usage.ru_stime.tv_usec)
    return user + system
}

let serverGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let clientGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let serverLoop = serverGroup.next()
let clientLoop = clientGroup.next()
let loopback = SIPTransportConfiguration(listeners: [.init(.udp, host: "127.0.0.1", port: 0)], keepAliveInterval: nil)

let server = SIPTransactionLayer(transportConfiguration: loopback, eventLoop: serverLoop)
let client = SIPTransactionLayer(transportConfiguration: loopback, eventLoop: clientLoop)
try serverLoop.submit {
    server.onRequest = { incoming in
        guard let id = incoming.transaction else { return }
        server.respond(incoming.message.makeResponse(statusCode: 200, toTag: "bench"), to: id)
    }
}.wait()
try server.start().wait()
try client.start().wait()
guard let serverAddress = server.transport.localAddress(for: .udp) else { fatalError("the server did not bind") }
let target = SIPTransportTarget(transport: .udp, address: serverAddress)

/// Client-side counters, touched only on `clientLoop`.
final class Run: @unchecked Sendable {
    var started = 0
    var succeeded = 0
    var failed = 0
    var finished: Int { succeeded + failed }
    var measuredStart: NIODeadline?
    var measuredEnd: NIODeadline?
    var cpuStart: Int64 = 0
    var cpuEnd: Int64 = 0
    var lastReported = 0
    let done: EventLoopPromise<Void>
    init(done: EventLoopPromise<Void>) { self.done = done }
}
let run = Run(done: clientLoop.makePromise())

@Sendable func options(_ n: Int) -> SIPMessage {
    var headers = SIPHeaders()
    headers.add(.via, SIPVia.forNewTransaction(transport: .udp).description)
    headers.add(.maxForwards, "70")
    headers.add(.from, "<sip:bench@127.0.0.1>;tag=bench")
    headers.add(.to, "<sip:server@127.0.0.1>")
    headers.add(.callID, "bench-\(n)")
    headers.add(.cseq, "1 OPTIONS")
    headers.add(.contentLength, "0")
    return SIPMessage.request(method: .options, uri: SIPURI(host: "127.0.0.1"), headers: headers)
}

/// Starts the next transaction, if any are left (on `clientLoop`).
@Sendable func startNext() {
    guard run.started < total else { return }
    run.started += 1
    client.sendRequest(options(run.started), to: target) { event in
        switch event {
        case .provisional: return
        case .final(let response) where response.message.statusCode == 200: run.succeeded += 1
        case .final, .failed: run.failed += 1
        }
        if run.finished == warmup {
            run.measuredStart = .now()
            run.cpuStart = processCPUMicroseconds()
        }
        if run.finished == total {
            run.measuredEnd = .now()
            run.cpuEnd = processCPUMicroseconds()
            run.done.succeed(())
        }
        startNext()
    }
}

// Resident memory with both layers running and no transaction yet: what the server's live
// transactions add to it at the peak is what each costs (nearly all are completed, waiting for Timer J).
let residentBeforeKilobytes = statusKilobytes("VmRSS:")
let wallStart = NIODeadline.now()
if warmup == 0 {
    try clientLoop.submit {
        run.measuredStart = .now()
        run.cpuStart = processCPUMicroseconds()
    }.wait()
}
try clientLoop.submit {
    for _ in 0..<min(window, total) { startNext() }
}.wait()

let ticker = clientLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
    let finished = run.finished
    let phase = finished <= warmup ? "warm-up" : "measured"
    print(
        "second: \(finished - run.lastReported) transactions/s (\(finished) of \(total), \(phase), \(run.failed) failed)"
    )
    run.lastReported = finished
}
let limit = clientLoop.scheduleTask(in: .seconds(timeLimit)) {
    run.done.fail(ChannelError.connectTimeout(.seconds(timeLimit)))
}
let outcome = Result { try run.done.futureResult.wait() }
ticker.cancel()
limit.cancel()

let (succeeded, failed, measured, measuredStart, measuredEnd, cpu) = try clientLoop.submit {
    (
        run.succeeded, run.failed, max(run.finished - warmup, 0), run.measuredStart, run.measuredEnd ?? .now(),
        (run.cpuEnd > 0 ? run.cpuEnd : processCPUMicroseconds()) - run.cpuStart
    )
}.wait()
let peakKilobytes = statusKilobytes("VmHWM:")
let liveAtEnd = try serverLoop.submit { server.transactionCount.server }.wait()

// What the server's completed transactions keep for Timer J, apart from the client's: the client's
// own completed transactions wait for Timer K (T4 = 5 s on UDP, RFC 3261 §17.1.2.2) and would be
// counted too. Once they have ended (the server's Timer J runs 32 s), freed pages go back to the
// system and the resident memory over the start, divided by the live server transactions, is what
// each costs, fragmentation included.
var settledBytesPerServerTransaction: Int?
let settleDeadline = NIODeadline.now() + .seconds(10)
while try clientLoop.submit({ client.transactionCount.client }).wait() > 0, NIODeadline.now() < settleDeadline {
    usleep(100_000)
}
if try clientLoop.submit({ client.transactionCount.client }).wait() == 0 {
    typealias MallocTrim = @convention(c) (Int) -> Int32
    if let trim = dlsym(dlopen(nil, RTLD_NOW), "malloc_trim") { _ = unsafeBitCast(trim, to: MallocTrim.self)(0) }
    let settledLive = try serverLoop.submit { server.transactionCount.server }.wait()
    if let before = residentBeforeKilobytes, let now = statusKilobytes("VmRSS:"), settledLive > 0 {
        settledBytesPerServerTransaction = (now - before) * 1024 / settledLive
    }
}
let live = liveAtEnd
try client.shutdown().wait()
try server.shutdown().wait()
try clientGroup.syncShutdownGracefully()
try serverGroup.syncShutdownGracefully()

let elapsed = measuredStart.map { measuredEnd - $0 } ?? (NIODeadline.now() - wallStart)
let seconds = Double(elapsed.nanoseconds) / 1e9
if case .failure = outcome { print("incomplete: \(succeeded + failed) of \(total) transactions within \(timeLimit) s") }
print("transactions: \(measured) measured after \(warmup) warm-up, window: \(window), failed: \(failed)")
print(
    "elapsed: \(elapsed.nanoseconds / 1_000_000) ms, per transaction: \(elapsed.nanoseconds / Int64(max(measured, 1)) / 1000) µs"
)
let cpuTenths = cpu * 10 / Int64(max(measured, 1))
print("CPU per transaction (user + system, both loops): \(cpuTenths / 10).\(cpuTenths % 10) µs")
print(
    "server transactions alive at the end (Timer J): \(live), peak RSS: \(peakResidentMegabytes().map { "\($0) MB" } ?? "?")"
)
if let before = residentBeforeKilobytes, let peak = peakKilobytes, live > 0 {
    print("peak-bytes-per-live-server-transaction: \((peak - before) * 1024 / live) (client's Timer K state included)")
}
if let settledBytesPerServerTransaction {
    print("bytes-per-completed-server-transaction: \(settledBytesPerServerTransaction)")
}
print("transactions-per-second: \(Int(Double(measured) / max(seconds, 1e-9)))")
