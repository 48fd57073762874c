import NIOCore
import SIPTransport
import SIPUserAgent
import Synchronization

/// One OPTIONS probe per site target for a phone whose lines are spread over several loops: each
/// shard's registration driver already sends one probe per target for its own bindings
/// (``SiteProbeTable``); this joins the shards, so a site sees one probe per `options_interval`
/// whatever the number of loops, and its failure and return reach every shard's lines at once.
///
/// A shard about to send a target's OPTIONS asks first (``request(_:interval:shard:send:)``): a probe
/// out from any shard → it waits for that one; a result sent less than half its interval ago → that
/// result; otherwise it sends. Every result goes to every shard that ever asked about the target
/// (``completed(_:_:from:now:)``), on its loop. A probe out longer than ``SiteProbeTable/lostAfter`` is taken
/// as lost.
final class SiteProbeExchange: Sendable {
    private struct Entry {
        var inFlightSince: NIODeadline?
        var last: (result: SiteProbeResult, sentAt: NIODeadline)?
        var shards: Set<Int> = []
    }

    private let state = Mutex<[SIPTransportTarget: Entry]>([:])
    /// Hands a result to shard `n`'s driver on its loop; set by each shard as it is made.
    private let deliver: Mutex<[Int: @Sendable (SIPTransportTarget, SiteProbeResult) -> Void]> = Mutex([:])

    /// Shard `shard` takes results through `deliver` (called from any thread; it hops to its loop).
    func join(shard: Int, deliver: @escaping @Sendable (SIPTransportTarget, SiteProbeResult) -> Void) {
        self.deliver.withLock { $0[shard] = deliver }
    }

    /// Shard `shard` is about to probe `target` every `interval`: `send` runs (at once, on the caller's
    /// loop) when it is the one to send the OPTIONS; otherwise the result reaches it later.
    func request(
        _ target: SIPTransportTarget, interval: TimeAmount, shard: Int, now: NIODeadline = .now(),
        send: () -> Void
    ) {
        enum Next { case send, wait, answer(SiteProbeResult) }
        let next = state.withLock { all -> Next in
            var entry = all[target] ?? Entry()
            defer { all[target] = entry }
            entry.shards.insert(shard)
            if let since = entry.inFlightSince, now - since < SiteProbeTable.lostAfter { return .wait }
            if let last = entry.last, now - last.sentAt < SiteProbeTable.freshness(interval: interval) {
                return .answer(last.result)
            }
            entry.inFlightSince = now
            return .send
        }
        switch next {
        case .send: send()
        case .wait: return
        case .answer(let result): deliver.withLock { $0[shard] }?(target, result)
        }
    }

    /// The OPTIONS shard `sender` sent to `target` ended with `result`: every other shard that uses
    /// the target hears it (the sender has it already).
    func completed(
        _ target: SIPTransportTarget, _ result: SiteProbeResult, from sender: Int, now: NIODeadline = .now()
    ) {
        let shards = state.withLock { all -> Set<Int> in
            guard var entry = all[target] else { return [] }
            entry.last = (result, entry.inFlightSince ?? now)
            entry.inFlightSince = nil
            all[target] = entry
            return entry.shards
        }
        let deliveries = deliver.withLock { all in shards.subtracting([sender]).compactMap { all[$0] } }
        for deliver in deliveries { deliver(target, result) }
    }
}
