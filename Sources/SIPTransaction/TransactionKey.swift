/// What identifies a transaction when a message arrives: the matching rules of RFC 3261 §17.1.3
/// (responses to client transactions) and §17.2.3 (requests to server transactions), as a
/// hashable value built from the strings the parser already has.
///
/// - Client (§17.1.3): the top Via `branch` of the response equals the one of the request, and
///   the CSeq method equals the request's method, so that the response to a CANCEL never lands
///   in the INVITE transaction that shares its branch.
/// - Server (§17.2.3): the `branch` (which must start with the magic cookie `z9hG4bK`), the
///   top Via sent-by and the method; an ACK has the key of its INVITE. A CANCEL has its own key;
///   ``cancelledInviteKey`` is the key of the INVITE it cancels (§9.2).
///
/// Not supported, on purpose: the RFC 2543 fallback of §17.2.3 (matching on Request-URI, To tag,
/// From tag, Call-ID, CSeq and the whole top Via when the branch lacks the cookie). Such a
/// request gets no key (``server(branch:sentBy:method:)`` returns nil) and the caller treats it
/// as a new transaction every time; RFC 2543-only peers have not been seen in the field for
/// years, and the fallback is expensive on the hot path.
///
/// Comparison: the branch and the method are compared exactly (a branch is an opaque token the
/// peer echoes back unchanged, and methods are case-sensitive, §7.1); the sent-by is compared
/// case-insensitively (host names are, §19.1.4), as written: `host` and `host:5060` differ,
/// which is harmless because every retransmission carries the same Via.
package struct TransactionKey: Hashable, Sendable, CustomStringConvertible {
    /// Which side of the transaction the key belongs to; a client key never equals a server key.
    package enum Role: Hashable, Sendable {
        case client, server
    }

    /// The branch prefix that marks RFC 3261 branches (§8.1.1.7).
    package static let magicCookie = "z9hG4bK"

    /// Which side the key belongs to.
    package let role: Role
    /// The top Via branch.
    package let branch: String
    /// The method of the request that created the transaction (INVITE for an ACK on the server).
    package let method: String
    /// The top Via sent-by, lowercased; empty for client keys.
    package let sentBy: String
    /// Every field hashed once, when the key is made, by this process's randomly seeded `Hasher`:
    /// the transaction tables mix this one word (``HashedOnce``) instead of hashing three strings per
    /// lookup, and compare it before the strings (a table probe meets several other keys). A peer choosing its
    /// branches cannot aim at collisions, since the seed is unknown to it.
    private let digest: Int

    private init(role: Role, branch: String, method: String, sentBy: String) {
        self.role = role
        self.branch = branch
        self.method = method
        self.sentBy = sentBy
        self.digest = HashedOnce.digest {
            $0.combine(role)
            $0.combine(branch)
            $0.combine(method)
            $0.combine(sentBy)
        }
    }

    package static func == (lhs: TransactionKey, rhs: TransactionKey) -> Bool {
        lhs.digest == rhs.digest && lhs.role == rhs.role && lhs.branch == rhs.branch && lhs.method == rhs.method
            && lhs.sentBy == rhs.sentBy
    }

    package func hash(into hasher: inout Hasher) { hasher.combine(digest) }

    /// The tables' hash without seeding a `Hasher` per lookup (see ``HashedOnce/rawHashValue(_:seed:)``).
    package func _rawHashValue(seed: Int) -> Int { HashedOnce.rawHashValue(digest, seed: seed) }

    /// The key of a client transaction, from the request it sends (its branch and method) or,
    /// when a response arrives, from the response's top Via branch and CSeq method (§17.1.3).
    package static func client(branch: String, method: String) -> TransactionKey {
        TransactionKey(role: .client, branch: branch, method: method, sentBy: "")
    }

    /// The key of the server transaction a request belongs to (§17.2.3), from its top Via branch
    /// and sent-by and its method. Nil when the branch lacks the magic cookie (RFC 2543 peer,
    /// not supported) or is nothing but the cookie.
    package static func server(branch: String, sentBy: String, method: String) -> TransactionKey? {
        guard branch.hasPrefix(magicCookie), branch.utf8.count > magicCookie.utf8.count else { return nil }
        return TransactionKey(
            role: .server,
            branch: branch,
            method: method == "ACK" ? "INVITE" : method,
            sentBy: sentBy.lowercased()
        )
    }

    /// For the key of a CANCEL server transaction: the key of the INVITE server transaction it
    /// cancels (§9.2: same matching as §17.2.3, with the method taken as INVITE). Nil for any
    /// other key.
    package var cancelledInviteKey: TransactionKey? {
        guard method == "CANCEL" else { return nil }
        return TransactionKey(role: role, branch: branch, method: "INVITE", sentBy: sentBy)
    }

    package var description: String {
        switch role {
        case .client: "client \(method) \(branch)"
        case .server: "server \(method) \(branch) \(sentBy)"
        }
    }
}
