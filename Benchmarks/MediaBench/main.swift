// How many concurrent G.711 calls with media one process carries:
//
//   swift run -c release MediaBench [--calls 100,200,300,400,500,600,800] [--seconds 5] [--threads 2] [--srtp SUITE]
//
// Each call is two RTP streams in this process, one per end (so N calls are 2N streams, 100·N
// packets a second sent and as many received), each on its own reserved port pair on 127.0.0.1,
// sending a looped 1 kHz tone in 20 ms PCMU packets and receiving, jitter-buffering and decoding the
// other's. The two ends of a call sit on different event loops of a `--threads` group; each loop has
// its one MediaClock. Every call carries RTCP as a real one does.
//
// For each step the calls are opened, given a second to settle, then measured for `--seconds`:
// a packet slot is *late* when its packet leaves more than 5 ms after its schedule (MediaClock's
// threshold). The step passes when fewer than 1 % of slots are late and fewer than 1 % of packets
// are lost. Steps stop at the first failure. Also printed: CPU time over wall time (of the whole
// machine's cores, so 200 % is both cores busy), receive loss, and the worst lateness.
//
// `--srtp AES_CM_128_HMAC_SHA1_80` (or another SDES suite name) gives every call fresh keys each way,
// so every packet and RTCP report is protected and every one received is authenticated (RFC 3711);
// `cpu-ms/call-s` is the CPU one call costs per second of talk, to set beside the plain figure.
//
// The last line is `media-calls: <integer>`: the largest passing step.
import Foundation
import NIOCore
import NIOPosix
import SIPMedia

func line(_ text: String) {
    print(text)
    fflush(nil)
}

func argument(_ name: String) -> String? {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    return args[i + 1]
}

let steps = (argument("--calls") ?? "100,200,300,400,500,600,800").split(separator: ",").compactMap { Int($0) }
let seconds = Int(argument("--seconds") ?? "") ?? 5
let threads = Int(argument("--threads") ?? "") ?? 2
let srtpSuite = argument("--srtp").map { name -> SRTPSuite in
    guard let suite = SRTPSuite(rawValue: name) else {
        fatalError("--srtp: \(name) is not one of \(SRTPSuite.allCases.map(\.name))")
    }
    return suite
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
        + Double(usage.ru_stime.tv_usec) / 1e6
}

/// One second of a 1 kHz tone, looped: a source as cheap as a real prompt file.
let toneFile = WAVFile(
    samples: {
        var tone = ToneGenerator(frequency: 1000, amplitude: 0.3)
        return tone.samples(count: 8000)
    }())

struct StepResult {
    var slots = 0
    var late = 0
    var maximumLateness = TimeAmount.zero
    var sent: UInt64 = 0
    var received: UInt64 = 0
    var authenticationFailures: UInt64 = 0
    var cpu = 0.0
    var wall = 0.0
}

func configuration(to remote: RTPPortReservation, srtp: NegotiatedSRTP?) -> MediaStreamConfiguration {
    MediaStreamConfiguration(
        codec: .pcmu, telephoneEventPayloadType: 101, direction: .sendrecv,
        remoteRTP: try? SocketAddress(ipAddress: remote.address, port: remote.rtpPort),
        remoteRTCP: try? SocketAddress(ipAddress: remote.address, port: remote.rtcpPort), cname: "bench@127.0.0.1",
        srtp: srtp)
}

/// Keys each way for one call, as an SDES exchange would agree them.
func callKeys() throws -> (a: NegotiatedSRTP?, b: NegotiatedSRTP?) {
    guard let suite = srtpSuite else { return (nil, nil) }
    let one = try SRTPMasterKey.random(for: suite), two = try SRTPMasterKey.random(for: suite)
    return (
        NegotiatedSRTP(suite: suite, tag: 1, sendKey: one, receiveKey: two),
        NegotiatedSRTP(suite: suite, tag: 1, sendKey: two, receiveKey: one)
    )
}

func run(calls: Int, group: MultiThreadedEventLoopGroup) async throws -> StepResult {
    let loops = Array(group.makeIterator())
    let clocks = loops.map { MediaClock(eventLoop: $0) }
    var sessions: [RTPMediaSession] = []
    sessions.reserveCapacity(2 * calls)
    for index in 0..<calls {
        let a = try RTPPortReservation.reserve(address: "127.0.0.1")
        let b = try RTPPortReservation.reserve(address: "127.0.0.1")
        let keys = try callKeys()
        let configurationA = configuration(to: b, srtp: keys.a)
        let configurationB = configuration(to: a, srtp: keys.b)
        let first = clocks[index % clocks.count]
        let second = clocks[(index + 1) % clocks.count]
        for (reservation, config, clock) in [(a, configurationA, first), (b, configurationB, second)] {
            let session = try await RTPMediaSession.open(reservation: reservation, configuration: config, clock: clock)
                .get()
            try await session.eventLoop.submit { session.setSource(LoopingSource(WAVFilePlayer(toneFile))) }.get()
            sessions.append(session)
        }
    }
    try await Task.sleep(for: .seconds(1))

    func totals() async throws -> (sent: UInt64, received: UInt64, failures: UInt64) {
        var sent: UInt64 = 0
        var received: UInt64 = 0
        var failures: UInt64 = 0
        for session in sessions {
            let s = try await session.eventLoop.submit { session.statistics() }.get()
            sent += s.packetsSent
            received += s.packetsReceived
            failures += s.authenticationFailures + s.replayedPackets
        }
        return (sent, received, failures)
    }

    let before = clocks.map(\.figures)
    let countsBefore = try await totals()
    let cpuBefore = cpuSeconds()
    let start = ContinuousClock.now
    try await Task.sleep(for: .seconds(seconds))
    let after = clocks.map(\.figures)
    let cpuAfter = cpuSeconds()
    let wall = ContinuousClock.now - start
    let countsAfter = try await totals()

    var result = StepResult()
    for (b, a) in zip(before, after) {
        result.slots += a.slots - b.slots
        result.late += a.lateSlots - b.lateSlots
        result.maximumLateness = max(result.maximumLateness, a.maximumLateness)
    }
    result.sent = countsAfter.sent - countsBefore.sent
    result.received = countsAfter.received - countsBefore.received
    result.authenticationFailures = countsAfter.failures
    result.cpu = cpuAfter - cpuBefore
    result.wall = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18

    for session in sessions {
        try await session.eventLoop.flatSubmit { session.close() }.get()
    }
    return result
}

line(
    "MediaBench: \(threads) event loop(s), \(seconds) s per step, steps \(steps.map(String.init).joined(separator: ",")), SRTP \(srtpSuite?.name ?? "off")"
)
let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
var carried = 0
for calls in steps {
    let r: StepResult
    do {
        r = try await run(calls: calls, group: group)
    } catch {
        line("calls=\(calls): could not set up: \(error)")
        break
    }
    let latePercent = r.slots > 0 ? 100 * Double(r.late) / Double(r.slots) : 100
    // Both ends are here, so every packet sent should be received by the other end.
    let lossPercent = r.sent > 0 ? max(0, 100 * (Double(r.sent) - Double(r.received)) / Double(r.sent)) : 100
    let pass = latePercent < 1 && lossPercent < 1 && r.authenticationFailures == 0
    line(
        String(
            format:
                "calls=%d streams=%d slots=%d late=%d late%%=%.3f max-late-ms=%.1f sent=%llu received=%llu loss%%=%.3f cpu%%=%.0f cpu-ms/call-s=%.3f auth-failures=%llu %@",
            calls, 2 * calls, r.slots, r.late, latePercent, Double(r.maximumLateness.nanoseconds) / 1e6, r.sent,
            r.received,
            lossPercent, 100 * r.cpu / r.wall, 1000 * r.cpu / r.wall / Double(calls), r.authenticationFailures,
            pass ? "PASS" : "FAIL"))
    guard pass else { break }
    carried = calls
}
try await group.shutdownGracefully()
line("media-calls: \(carried)")
