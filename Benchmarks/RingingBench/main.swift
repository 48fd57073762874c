// How much ending a ringing call costs when many ring at once: the bookkeeping must be O(1) per call
// end, whatever the number of calls (a scanner's flood once made each end scan every stored request).
//
//   swift run -c release RingingBench [--counts 1000,10000] [--rounds 3]
//
// For each count N, on one event loop: N incoming INVITEs are accepted by a InviteDriver and ring
// (180 sent), then every one is ended (486 Busy Here), and the time of the ending phase is divided by
// N. Responses go out statelessly over loopback UDP to the discard port, so each end includes
// building and sending its 486. Prints `ring-end-ns-per-call-N: <mean>` per count (best of the rounds)
// and, last, `ring-end-ratio: <per-call time at the largest N over the smallest>`; 1.0 means the cost
// of a call's end does not grow with the number of calls.
import NIOCore
import NIOPosix
import SIPCore
import SIPTransaction
import SIPTransport
import SIPUserAgent

func argument(_ name: String) -> String? {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    return args[i + 1]
}

let counts = (argument("--counts") ?? "1000,10000").split(separator: ",").compactMap { Int($0) }.map {
    max(1, min($0, 100_000))
}
let rounds = max(1, min(Int(argument("--rounds") ?? "3") ?? 3, 20))

let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let loop = group.next()
let layer = SIPTransactionLayer(
    transportConfiguration: SIPTransportConfiguration(
        listeners: [.init(.udp, host: "127.0.0.1", port: 0)], keepAliveInterval: nil),
    eventLoop: loop)
try layer.start().wait()
let local = layer.transport.localAddress(for: .udp)!
let discard = try SocketAddress(ipAddress: "127.0.0.1", port: 9)
let flow = SIPFlow(transport: .udp, localAddress: local, remoteAddress: discard)
let party = LocalParty(
    addressOfRecord: try SIPURI("sip:7001@site-a.example.net"),
    contact: try SIPURI("sip:7001@127.0.0.1:\(local.port ?? 5060)"),
    transport: .udp)
let target = SIPTransportTarget(transport: .udp, address: discard)
let realms = DigestRealmPolicy(domain: "site-a.example.net", user: "7001", hasPassword: false)

func invite(_ n: Int, round: Int) throws -> SIPMessage {
    try SIPMessage(
        parsing: """
            INVITE sip:7001@127.0.0.1 SIP/2.0\r
            Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-\(round)-\(n)\r
            Max-Forwards: 70\r
            From: <sip:caller@127.0.0.1>;tag=c\(n)\r
            To: <sip:7001@127.0.0.1>\r
            Call-ID: ring-\(round)-\(n)@bench\r
            CSeq: 1 INVITE\r
            Contact: <sip:caller@127.0.0.1:9>\r
            Content-Length: 0\r
            \r

            """)
}

/// Nanoseconds per call end for `count` ringing calls.
func measure(count: Int, round: Int) throws -> Double {
    let requests = try (0..<count).map { try invite($0, round: round) }
    return try loop.submit { () -> Double in
        let engine = InviteDriver(transactions: layer, configuration: InviteSessionConfiguration(ringTimeout: nil))
        var ids: [InviteDriver.SessionID] = []
        ids.reserveCapacity(count)
        for message in requests {
            let request = IncomingRequest(
                received: SIPReceivedMessage(message: message, source: discard, flow: flow), transaction: nil)
            guard let id = engine.accept(request, local: party, target: target, credentials: nil, realms: realms) else {
                continue
            }
            engine.ring(id)
            ids.append(id)
        }
        precondition(engine.count == count && engine.pendingRequestCount == count)
        let start = NIODeadline.now()
        for id in ids { engine.reject(id, statusCode: 486) }
        let elapsed = NIODeadline.now() - start
        precondition(engine.count == 0 && engine.pendingRequestCount == 0, "every ended call freed its requests")
        return Double(elapsed.nanoseconds) / Double(count)
    }.wait()
}

var best: [Int: Double] = [:]
for round in 0..<rounds {
    for count in counts {
        let perCall = try measure(count: count, round: round)
        best[count] = min(best[count] ?? .infinity, perCall)
    }
}
for count in counts {
    print("ring-end-ns-per-call-\(count): \(Int(best[count]!.rounded()))")
}
if let small = counts.min(), let large = counts.max(), let a = best[small], let b = best[large] {
    print("ring-end-ratio: \(Double(Int((b / a * 100).rounded())) / 100)")
}
try layer.shutdown().wait()
try group.syncShutdownGracefully()
