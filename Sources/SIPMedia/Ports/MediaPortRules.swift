import NIOCore

/// Which bound RTP/RTCP port pairs a loop keeps open between calls, and which it hands to the next
/// call (pure: no I/O, time as an input; ``MediaPortPool`` does the sockets).
///
/// A call's media sockets cost more to set up than the rest of its RTP: two descriptors bound, each
/// wrapped in an event-loop channel with its pipeline and registered with the selector, and all of it
/// torn down again at the hang-up. A phone placing calls back to back keeps a pair it just finished
/// with and gives it to the next call, as a server keeps connections alive:
/// - a pair goes back on ``release(_:now:)`` unless ``capacity`` pairs are idle already (then the caller
///   closes it);
/// - ``take(address:range:now:)`` hands out the pair idle longest that is bound to the address asked
///   for, has its RTP port in the range asked for, and has rested ``quarantine``: long enough for the
///   last call's peer to have taken our BYE and stopped sending. A packet it still sends is dropped
///   while the pair is idle; one that comes later still is not from the address the next call's SDP
///   names, so that call's stream refuses it (RFC 3550 §8.2's collision case aside, a new SSRC resets
///   the reception);
/// - ``takeAny(address:range:)`` ignores the quarantine: for when the port range is exhausted, so
///   that keeping pairs never refuses a call the range could have served;
/// - ``expired(now:)`` gives back the pairs idle ``idleLimit`` or more, to close: a phone that stops
///   calling holds no sockets for it after that.
package struct MediaPortRules<Pair>: Sendable where Pair: Sendable {
    package struct Idle: Sendable {
        package var pair: Pair
        package var address: String
        package var rtpPort: Int
        package var releasedAt: NIODeadline
    }

    /// Idle pairs kept at most. Default: 512 (1,024 descriptors).
    package let capacity: Int
    /// How long a pair rests before another call takes it. Default: 250 ms.
    package let quarantine: TimeAmount
    /// How long a pair stays idle before it is closed. Default: 10 s.
    package let idleLimit: TimeAmount
    /// Oldest first.
    package private(set) var idle: [Idle] = []

    package init(
        capacity: Int = 512, quarantine: TimeAmount = .milliseconds(250), idleLimit: TimeAmount = .seconds(10)
    ) {
        self.capacity = max(0, capacity)
        self.quarantine = quarantine
        self.idleLimit = idleLimit
    }

    /// A call is done with `pair`: true when it is kept; false when the caller closes it (full).
    package mutating func release(_ pair: Idle) -> Bool {
        guard idle.count < capacity else { return false }
        idle.append(pair)
        return true
    }

    /// The pair idle longest on `address`, in `range`, rested; nil when there is none.
    package mutating func take(address: String, range: ClosedRange<Int>?, now: NIODeadline) -> Pair? {
        let quarantine = self.quarantine
        return take { $0.address == address && Self.fits($0.rtpPort, range) && now - $0.releasedAt >= quarantine }
    }

    /// The pair idle longest on `address`, in `range`, rested or not.
    package mutating func takeAny(address: String, range: ClosedRange<Int>?) -> Pair? {
        take { $0.address == address && Self.fits($0.rtpPort, range) }
    }

    /// Removes and returns the pairs idle `idleLimit` or more (to close).
    package mutating func expired(now: NIODeadline) -> [Pair] {
        let count = idle.prefix { now - $0.releasedAt >= idleLimit }.count
        defer { idle.removeFirst(count) }
        return idle.prefix(count).map(\.pair)
    }

    /// Removes and returns every idle pair (to close).
    package mutating func removeAll() -> [Pair] {
        defer { idle.removeAll() }
        return idle.map(\.pair)
    }

    /// Idle pairs that have rested their quarantine by `now`: what the next calls can take.
    package func restedCount(now: NIODeadline) -> Int {
        idle.count { now - $0.releasedAt >= quarantine }
    }

    /// When the oldest idle pair expires; nil when none is idle.
    package var nextExpiry: NIODeadline? { idle.first.map { $0.releasedAt + idleLimit } }

    private mutating func take(where matches: (Idle) -> Bool) -> Pair? {
        guard let index = idle.firstIndex(where: matches) else { return nil }
        return idle.remove(at: index).pair
    }

    private static func fits(_ port: Int, _ range: ClosedRange<Int>?) -> Bool {
        guard let range else { return true }
        return range.contains(port) && range.contains(port + 1)
    }
}
