// Lab mode: whole calls at a steady rate through a real site (Kamailio) instead of an in-process one,
// so the phone as a caller can be set beside SIPp's UAC at the same target rate:
//
//   CallBench --target HOST:PORT --destination 9000 --local-address IP --rate R --seconds S
//             [--user U --password P] [--on-pool]
//
// One phone, one UDP connection to HOST:PORT bound on IP, R calls started per second for S seconds
// (SiteCallLoad in Benchmarks/CallLoad). The calls' tasks run on the phone's event loop
// (Phone.taskExecutor(ofConnection:)), as SIPp's run on its one loop; with --on-pool on Swift's global
// pool instead, as a back end's that does not ask for that executor (--on-phone-loop, the default,
// is accepted for older command lines). Prints how late the
// phone's loop ran and the most its SIP socket held unread (`loop-lag-max-ms: N, …, sip-unread-max-kib:
// N`, from `sipendpoint_loop_lag_seconds` and `sipendpoint_sip_unread_bytes`), `calls-failed: N`
// and, last, `calls-per-second: N`.
import CallLoad
import Foundation
import SipEndpoint

/// The value after `name`, when there is one.
func option(_ name: String, in args: [String]) -> String? {
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    return args[i + 1]
}

/// Runs lab mode from the command line; the process's exit status.
func labMode(_ args: [String]) async -> Int32 {
    func fail(_ text: String) -> Int32 {
        FileHandle.standardError.write(Data("CallBench: \(text)\n".utf8))
        return 2
    }
    guard let targetText = option("--target", in: args), let target = ServerAddress(targetText), target.port != nil
    else { return fail("--target wants HOST:PORT") }
    guard let destination = option("--destination", in: args), !destination.isEmpty else {
        return fail("--destination wants a number or user, e.g. 9000")
    }
    guard let localAddress = option("--local-address", in: args), !localAddress.isEmpty else {
        return fail("--local-address wants the IP to bind")
    }
    guard let rate = option("--rate", in: args).flatMap(Int.init), rate > 0 else {
        return fail("--rate wants calls per second, at least 1")
    }
    guard let seconds = option("--seconds", in: args).flatMap(Int.init), seconds > 0 else {
        return fail("--seconds wants a whole number of seconds, at least 1")
    }
    let user = option("--user", in: args)
    let password = option("--password", in: args)
    if (user == nil) != (password == nil) { return fail("--user and --password go together") }

    let load = SiteCallLoad(
        target: target, destination: destination, localAddress: localAddress, rate: rate, seconds: seconds,
        user: user, password: password, onPhoneLoop: !args.contains("--on-pool"))
    line(
        "lab: \(load.callCount) calls to \(destination) through \(target) from \(localAddress), \(rate)/s for \(seconds) s"
            + (load.onPhoneLoop ? ", on the phone's loop" : ", on Swift's pool")
    )
    let result: SiteCallResult
    do {
        result = try await load.run()
    } catch {
        return fail("the phone did not start: \(error)")
    }
    let seconds3 = String(
        format: "%.3f", Double(result.elapsed.components.seconds) + Double(result.elapsed.components.attoseconds) / 1e18
    )
    line("calls: \(result.started) started, \(result.completed) completed, in \(seconds3) s")
    for (why, count) in result.failures.sorted(by: { $0.value > $1.value }) {
        line("failed: \(count) × \(why)")
    }
    line(
        "loop-lag-max-ms: \(Int((result.loopLagMaximum / .milliseconds(1)).rounded())), late checks (100 ms or more): \(result.lateLoopProbes), sip-unread-max-kib: \(result.mostUnreadBytes / 1024)"
    )
    line("calls-failed: \(result.failed)")
    line("calls-per-second: \(Int(result.callsPerSecond.rounded()))")
    return result.failed == 0 ? 0 : 1
}
