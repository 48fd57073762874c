/// One customer call delivered by both sites: each site is a B2BUA, so its copy has its own Call-ID
/// and only a correlation header (`duplicate_call_header`, e.g. X-Genesys-CallUUID) in common. The
/// table remembers, per line (DN), which session carries which value while that session exists, and
/// decides what a new INVITE with a known value gets. A value; no I/O, no clock.
///
/// The rule, for a new INVITE on line L with value V:
/// 1. No session of L carries V: it rings (and is remembered).
/// 2. The session of L that carries V is on a connection that has failed: the new copy replaces it
///    (the first is ended, the agent keeps one ringing line, on the healthy site).
/// 3. Otherwise it is refused with the configured final response (default 486): the first copy rings
///    or talks already.
///
/// Bounded: a line remembers at most ``capacityPerLine`` values; past that a new call rings without
/// being remembered (a line never has that many calls in practice). An entry is freed when its
/// session ends (``remove(session:)``).
struct DuplicateCallTable: Sendable {
    enum Decision: Hashable, Sendable {
        /// A first copy: ring it.
        case ring
        /// A copy of the call that session `first` carries on a healthy connection: refuse it.
        case refuse(first: String)
        /// A copy of the call that session `first` carries on a failed connection: end `first`, ring this one.
        case replace(first: String)
    }

    private struct Entry: Sendable {
        var sessionId: String
        var connectionId: Int
    }

    let capacityPerLine: Int
    private var lines: [String: [String: Entry]] = [:]
    private var bySession: [String: (user: String, value: String)] = [:]

    init(capacityPerLine: Int = 64) {
        self.capacityPerLine = max(1, capacityPerLine)
    }

    /// How many values are remembered in all.
    var count: Int { bySession.count }

    /// What a new INVITE on `user`'s line carrying `value` gets; `hasFailed` says whether a
    /// connection is `failed` now.
    func decide(user: String, value: String, hasFailed: (Int) -> Bool) -> Decision {
        guard let first = lines[user]?[value] else { return .ring }
        return hasFailed(first.connectionId) ? .replace(first: first.sessionId) : .refuse(first: first.sessionId)
    }

    /// Remembers that `sessionId` on `connectionId` carries `value` on `user`'s line, replacing what
    /// the value named before. False when the line is full (the session is then not remembered).
    @discardableResult
    mutating func record(user: String, value: String, sessionId: String, connectionId: Int) -> Bool {
        if let previous = lines[user]?[value] { bySession[previous.sessionId] = nil }
        guard lines[user]?[value] != nil || (lines[user]?.count ?? 0) < capacityPerLine else { return false }
        lines[user, default: [:]][value] = Entry(sessionId: sessionId, connectionId: connectionId)
        bySession[sessionId] = (user, value)
        return true
    }

    /// The session ended (or moved away from the value): its entry is freed.
    mutating func remove(session sessionId: String) {
        guard let (user, value) = bySession.removeValue(forKey: sessionId) else { return }
        guard lines[user]?[value]?.sessionId == sessionId else { return }
        lines[user]?[value] = nil
        if lines[user]?.isEmpty == true { lines[user] = nil }
    }
}
