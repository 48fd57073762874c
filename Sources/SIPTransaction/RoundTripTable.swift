import NIOCore
import SIPTransport

/// The ``RoundTripEstimator`` of every target the transaction layer has sent requests to, keyed by
/// the resolved target (transport, address, port, TLS name), as a value.
///
/// Every client transaction feeds it (REGISTER, OPTIONS, an INVITE's first response, in practice
/// its 100 Trying): the time from the request's one transmission to its first response. Karn's
/// rule (RFC 6298 §3): a transaction whose request was retransmitted before its first response
/// adds no sample; it may back the target's RTO off (``firstResponse(from:sentAt:lastSentAt:transmissions:now:)``). At most ``capacity`` targets are kept; a new one beyond that replaces the one
/// that was sampled longest ago.
package struct RoundTripTable: Sendable {
    /// How many targets are remembered: 256 (a phone talks to a handful of sites).
    package static let capacity = 256

    /// The target as the socket sees it: hashing the address's bytes costs less on the hot path than
    /// formatting it as text (two lookups per transaction).
    private struct Key: Hashable {
        var transport: SIPTransportProtocol
        var address: SocketAddress
        var serverName: String?

        init(_ target: SIPTransportTarget) {
            transport = target.transport
            address = target.address
            serverName = target.serverName
        }
    }

    private var entries: [Key: (estimate: RoundTripEstimator, updated: NIODeadline)] = [:]

    package init() {}

    /// The estimate for `target`, nil before its first sample.
    package func estimate(for target: SIPTransportTarget) -> RoundTripEstimator? {
        entries[Key(target)]?.estimate
    }

    /// How many targets have an estimate.
    package var count: Int { entries.count }

    /// The first response of a client transaction toward `target` arrived at `now`; its request
    /// first went out at `sentAt`, last at `lastSentAt`, `transmissions` times in all.
    /// - Sent once: one sample, `now − sentAt`.
    /// - Retransmitted (Karn's rule, RFC 6298 §3: no sample): the RTO backs off (§5.5) only when the
    ///   answer came sooner after the last transmission than half the SRTT, too soon to answer it,
    ///   so an earlier transmission was answered and the RTO was too short (a server slower than
    ///   the RTO). An answer at least SRTT/2 after the last transmission is what a lost datagram
    ///   gives: the RTO was right, and backing it off would only lengthen the next give-up.
    ///
    /// Returns whether the RTO backed off.
    @discardableResult
    package mutating func firstResponse(
        from target: SIPTransportTarget, sentAt: NIODeadline, lastSentAt: NIODeadline, transmissions: Int,
        now: NIODeadline
    ) -> Bool {
        if transmissions == 1 {
            add(now - sentAt, for: target, now: now)
        } else if let estimate = estimate(for: target),
            (now - lastSentAt).nanoseconds < estimate.smoothedNanoseconds / 2
        {
            ambiguousResponse(from: target)
            return true
        }
        return false
    }

    /// The first response to a request that was retransmitted came from `target`: no sample (Karn's
    /// rule), the target's RTO backs off instead (``RoundTripEstimator/backOff()``).
    package mutating func ambiguousResponse(from target: SIPTransportTarget) {
        entries[Key(target)]?.estimate.backOff()
    }

    /// A client transaction toward `target` got the same answer twice after a retransmission
    /// (``SpuriousRetransmissionDetector``): its first copy was answered too, so the RTO was too
    /// short and backs off (RFC 6298 §5.5) until the next valid sample.
    package mutating func spuriousRetransmission(toward target: SIPTransportTarget) {
        entries[Key(target)]?.estimate.backOff()
    }

    /// Adds one round-trip sample for `target`, taken at `now`.
    package mutating func add(_ sample: TimeAmount, for target: SIPTransportTarget, now: NIODeadline) {
        let key = Key(target)
        if var entry = entries[key] {
            entry.estimate.add(sample)
            entry.updated = now
            entries[key] = entry
            return
        }
        if entries.count >= Self.capacity, let oldest = entries.min(by: { $0.value.updated < $1.value.updated })?.key {
            entries[oldest] = nil
        }
        entries[key] = (RoundTripEstimator(firstSample: sample), now)
    }
}
