// OPTIONS → 200 round trips between two transport layers over loopback UDP, one event loop each.
// Pure transport, no transaction layer: TransactionBench measures the same exchange through SIPTransaction.
//
//   swift run -c release TransportBench [--count 200000] [--window 64]
//
// The last line is `transactions-per-second: <integer>`.
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SIPCore
import SIPTransport

#if canImport(Glibc)
import Glibc
#endif

func argument(_ name: String, default value: Int) -> Int {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: name), i + 1 < args.count, let v = Int(args[i + 1]), v > 0 else { return value }
    return v
}

let count = argument("--count", default: 200_000)
let window = argument("--window", default: 64)
let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
let serverLoop = group.next()
let clientLoop = group.next()

/// Loop-confined state of the client side (touched only on `clientLoop`).
final class ClientState: @unchecked Sendable {
    var layer: SIPTransportLayer?
    var target: SIPTransportTarget?
    var sent = 0
    var completed = 0
    var lastReported = 0
    let done: EventLoopPromise<Void>
    init(done: EventLoopPromise<Void>) { self.done = done }
}

func request(_ n: Int) -> SIPMessage {
    var headers = SIPHeaders()
    headers.add(.via, SIPVia.forNewTransaction(transport: .udp).description)
    headers.add(.maxForwards, "70")
    headers.add(.from, "<sip:bench@127.0.0.1>;tag=bench")
    headers.add(.to, "<sip:server@127.0.0.1>")
    headers.add(.callID, "bench-\(n)")
    headers.add(.cseq, "\(n) OPTIONS")
    return SIPMessage.request(method: .options, uri: SIPURI(host: "127.0.0.1"), headers: headers)
}

let serverBox = NIOLockedValueBox<SIPTransportLayer?>(nil)
let server = SIPTransportLayer(
    configuration: SIPTransportConfiguration(listeners: [.init(.udp)]), eventLoop: serverLoop
) { event in
    guard case .message(let received) = event, received.message.isRequest,
        let layer = serverBox.withLockedValue({ $0 })
    else { return }
    var headers = SIPHeaders()
    let request = received.message.headers
    for i in 0..<request.count {
        let name = request.headerName(at: i)
        if name == .via || name == .from || name == .to || name == .callID || name == .cseq {
            headers.add(name, request.value(at: i))
        }
    }
    _ = layer.sendResponse(SIPMessage.response(statusCode: 200, headers: headers), receivedOn: received.flow)
}
serverBox.withLockedValue { $0 = server }

let state = ClientState(done: clientLoop.makePromise())
let client = SIPTransportLayer(
    configuration: SIPTransportConfiguration(listeners: [.init(.udp)]), eventLoop: clientLoop
) { event in
    guard case .message(let received) = event, received.message.statusCode == 200 else { return }
    state.completed += 1
    if state.completed == count { state.done.succeed(()) }
    if state.sent < count, let layer = state.layer, let target = state.target {
        state.sent += 1
        _ = layer.send(request(state.sent), to: target)
    }
}
state.layer = client

try server.start().wait()
try client.start().wait()
guard let serverAddress = server.localAddress(for: .udp) else { fatalError("server did not bind") }
let target = SIPTransportTarget(transport: .udp, address: serverAddress)

let start = NIODeadline.now()
try clientLoop.submit {
    state.target = target
    for _ in 0..<min(window, count) {
        state.sent += 1
        _ = client.send(request(state.sent), to: target)
    }
}.wait()

let ticker = clientLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
    let done = state.completed
    print("second: \(done - state.lastReported) transactions/s (\(done) of \(count))")
    state.lastReported = done
}
// UDP may lose a datagram under load and there is no retransmission here: bound the wait.
let timeout = clientLoop.scheduleTask(in: .seconds(60)) { state.done.fail(ChannelError.connectTimeout(.seconds(60))) }
let outcome = Result { try state.done.futureResult.wait() }
let elapsed = NIODeadline.now() - start
ticker.cancel()
timeout.cancel()
let completed = try clientLoop.submit { state.completed }.wait()
try client.close().wait()
try server.close().wait()
try group.syncShutdownGracefully()

let seconds = Double(elapsed.nanoseconds) / 1e9
let milliseconds: Int64 = elapsed.nanoseconds / 1_000_000
let nanosecondsPerTrip: Int64 = elapsed.nanoseconds / Int64(max(completed, 1))
let perSecond: Int = Int(Double(completed) / seconds)
if case .failure = outcome { print("incomplete: \(completed) of \(count) round trips in 60 s (datagrams lost)") }
print("round trips: \(completed), window: \(window), elapsed: \(milliseconds) ms")
print("per round trip: \(nanosecondsPerTrip / 1000) µs")
print("transactions-per-second: \(perSecond)")
