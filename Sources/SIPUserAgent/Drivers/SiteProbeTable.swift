import NIOCore
import SIPTransport

/// What one OPTIONS probe of a site came to.
package enum SiteProbeResult: Hashable, Sendable {
    /// The site sent a final response, whatever its code: it is there.
    case answered(statusCode: Int, reasonPhrase: String)
    /// No response: the transaction timed out or the transport could not send it.
    case failed(RequestFailure)
}

/// The health state of one site target: a probe out or not, and what the last one said.
package struct SiteProbe: Hashable, Sendable {
    /// One binding waiting for the probe that is out, with the id its machine gave its own probe.
    package struct Waiter: Hashable, Sendable {
        package var binding: Int
        package var probeID: UInt64

        package init(binding: Int, probeID: UInt64) {
            self.binding = binding
            self.probeID = probeID
        }
    }

    /// What the last finished probe said, and when it was sent (what the result describes: the
    /// site as of that moment, or silent from then on).
    package struct Observation: Hashable, Sendable {
        package var result: SiteProbeResult
        package var sentAt: NIODeadline
        package var completedAt: NIODeadline
    }

    /// When the probe that is out was sent; nil when none is out.
    package var inFlightSince: NIODeadline?
    /// The bindings the probe that is out will answer, in the order they asked.
    package var waiters: [Waiter] = []
    package var last: Observation?
    /// The bindings that use this target (their REGISTERs and probes go there).
    package var members: Set<Int> = []
}

/// OPTIONS probing per site target, for all the bindings on it (pure: no I/O, time as an input).
///
/// A phone may host thousands of connections on a handful of sites; were each connection to probe
/// its own site every `options_interval`, 10,000 of them at 10 s would put 1,000 OPTIONS a second
/// on each site. Reachability is a property of the site target (transport + address), not of the
/// binding, so the driver asks this table before it sends a binding's probe:
/// - a probe to the same target is out → the binding waits for it (``Decision/wait``);
/// - the target's last result is fresh → that result is the binding's answer (``Decision/answer(_:)``);
///   fresh means sent less than ``freshness(interval:)`` (half the binding's probe interval) ago.
///   A binding asks again one interval after it last asked or was told (a pushed result restarts
///   its interval), so it never counts the same result twice; only bindings out of step (just
///   registered, another interval) take one;
/// - otherwise → the driver sends one OPTIONS (``Decision/send``) and the binding waits for it.
///
/// When the probe ends, ``completed(target:result:now:)`` hands back the waiters (each answered
/// with its own probe id) and every other member of the target, which the driver tells at once, so
/// the site's failure and return reach every line on it together.
///
/// A probe out longer than ``lostAfter`` (120 s; `sip_transaction_timeout` is at most 32 s) is taken
/// as lost: the next request sends a fresh one, so a lost callback cannot stop a site's health checks.
package struct SiteProbeTable: Sendable {
    package enum Decision: Hashable, Sendable {
        /// Send one OPTIONS to the target now; the binding is recorded as waiting for it.
        case send
        /// A probe to the target is out; the binding is recorded as waiting for it.
        case wait
        /// The target's last result is fresh: answer the binding's probe with it.
        case answer(SiteProbeResult)
    }

    /// A probe out this long is taken as lost (every client transaction ends within 32 s).
    package static let lostAfter = TimeAmount.seconds(120)

    package private(set) var sites: [SIPTransportTarget: SiteProbe] = [:]
    private var targetOf: [Int: SIPTransportTarget] = [:]

    package init() {}

    /// How young a result must be to answer a probe of a binding probing every `interval`: half of it.
    package static func freshness(interval: TimeAmount) -> TimeAmount {
        .nanoseconds(interval.nanoseconds / 2)
    }

    /// The state of `target`, if any binding ever used it.
    package subscript(target: SIPTransportTarget) -> SiteProbe? { sites[target] }

    /// The target `binding` uses, as last told.
    package func target(of binding: Int) -> SIPTransportTarget? { targetOf[binding] }

    /// Records that `binding` now uses `target` (it sent a REGISTER or a probe there). A probe it
    /// waits for at its old target still answers it.
    package mutating func assign(binding: Int, to target: SIPTransportTarget) {
        if let old = targetOf[binding] {
            if old == target { return }
            sites[old]?.members.remove(binding)
            dropIfUnused(old)
        }
        targetOf[binding] = target
        sites[target, default: SiteProbe()].members.insert(binding)
    }

    /// Forgets `binding` (removed): it is no member and waits for nothing.
    package mutating func leave(binding: Int) {
        guard let target = targetOf.removeValue(forKey: binding) else { return }
        sites[target]?.members.remove(binding)
        for key in sites.keys where sites[key]?.waiters.contains(where: { $0.binding == binding }) == true {
            sites[key]?.waiters.removeAll { $0.binding == binding }
        }
        dropIfUnused(target)
    }

    private mutating func dropIfUnused(_ target: SIPTransportTarget) {
        if let site = sites[target], site.members.isEmpty, site.inFlightSince == nil { sites[target] = nil }
    }

    /// `binding`'s machine asks for a probe (`probeID`) of `target`, probing every `interval`.
    package mutating func request(
        binding: Int, probeID: UInt64, target: SIPTransportTarget, interval: TimeAmount, now: NIODeadline
    ) -> Decision {
        assign(binding: binding, to: target)
        var site = sites[target, default: SiteProbe()]
        defer { sites[target] = site }
        let waiter = SiteProbe.Waiter(binding: binding, probeID: probeID)
        if let since = site.inFlightSince, now - since < Self.lostAfter {
            site.waiters.removeAll { $0.binding == binding }
            site.waiters.append(waiter)
            return .wait
        }
        if let last = site.last, now - last.sentAt < Self.freshness(interval: interval) {
            return .answer(last.result)
        }
        site.inFlightSince = now
        site.waiters.removeAll { $0.binding == binding }
        site.waiters.append(waiter)
        return .send
    }

    /// Forgets whatever `target` last said, so the next request probes (or joins the probe out):
    /// something else (a call) just saw the site fail.
    package mutating func invalidate(target: SIPTransportTarget) {
        sites[target]?.last = nil
    }

    /// The probe of `target` ended with `result`: records it, and returns the bindings waiting for it
    /// and every other member of the target (in no particular order).
    package mutating func completed(target: SIPTransportTarget, result: SiteProbeResult, now: NIODeadline)
        -> (waiters: [SiteProbe.Waiter], others: [Int])
    {
        guard var site = sites[target] else { return ([], []) }
        let waiters = site.waiters
        let sentAt = site.inFlightSince ?? now
        site.inFlightSince = nil
        site.waiters = []
        site.last = SiteProbe.Observation(result: result, sentAt: sentAt, completedAt: now)
        let waiting = Set(waiters.map(\.binding))
        let others = site.members.filter { !waiting.contains($0) }
        sites[target] = site
        return (waiters, Array(others))
    }
}
