import NIOCore
import SIPTransport

/// Health per server target of the phone's sites (RFC 3263 §4.3 leaves the memory to the client):
/// which targets recently failed, on the server locator's own failure memory (``FailedTargets``).
/// Pure: time is an input.
///
/// - A target is marked down when a request to it times out or cannot be sent, or it answers 503 (a
///   REGISTER, an OPTIONS probe, a dial's INVITE); a 503 with Retry-After keeps it down that long
///   at least (RFC 3261 §21.5.4), whatever it answers meanwhile.
/// - It is up again when a probe or a request sees it answer. Probes go to every target of a site
///   (not only the one in use), so a down target that answers again is seen within a probe interval,
///   and one that stays silent is marked again at every probe: "down" lasts until a probe sees an
///   answer. Without probes a mark lapses after ``FailedTargets/holdDuration`` (30 s).
/// - A dial starts at the target its connection's registration uses now, then the site's other
///   targets in RFC 3263 order, skipping those that are down (``dialOrder(_:current:now:)``).
package struct TargetHealth: Sendable {
    private var failed = FailedTargets()

    package init() {}

    package mutating func markDown(_ target: SIPTransportTarget, retryAfter: TimeAmount? = nil, now: NIODeadline) {
        guard let key = Self.key(target) else { return }
        if let retryAfter, retryAfter > .zero {
            failed.markUnavailable(key, retryAfter: retryAfter, now: now)
        } else {
            failed.markFailed(key, now: now)
        }
    }

    package mutating func markUp(_ target: SIPTransportTarget, now: NIODeadline) {
        guard let key = Self.key(target) else { return }
        failed.markSucceeded(key, now: now)
        failed.removeExpired(now: now)
    }

    package func isDown(_ target: SIPTransportTarget, now: NIODeadline) -> Bool {
        guard let key = Self.key(target) else { return false }
        return failed.isFailed(key, now: now)
    }

    /// The targets a dial tries, in order: `targets[current]` (the registration's), then the others in
    /// their RFC 3263 order; those that are down are left out, unless every one is (then the
    /// registration's alone, as a last try).
    package func dialOrder(_ targets: [SIPTransportTarget], current: Int, now: NIODeadline) -> [SIPTransportTarget] {
        guard targets.indices.contains(current) else { return targets.filter { !isDown($0, now: now) } }
        let rotated = [targets[current]] + targets.enumerated().filter { $0.offset != current }.map(\.element)
        let up = rotated.filter { !isDown($0, now: now) }
        return up.isEmpty ? [targets[current]] : up
    }

    /// `targets` (a fresh resolution of a site) with the ones that are down moved to the back, the others
    /// in their RFC 3263 order: a REGISTER that starts the site over starts at a target that answers.
    package func upFirst(_ targets: [SIPTransportTarget], now: NIODeadline) -> [SIPTransportTarget] {
        targets.filter { !isDown($0, now: now) } + targets.filter { isDown($0, now: now) }
    }

    /// The failure memory's key: the address, port and transport (the TLS name plays no part).
    static func key(_ target: SIPTransportTarget) -> ServerTarget? {
        guard let host = target.address.ipAddress, let address = IPAddress(host), let port = target.address.port,
            let port16 = UInt16(exactly: port)
        else { return nil }
        return ServerTarget(address: address, port: port16, transport: target.transport)
    }
}
