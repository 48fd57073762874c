import NIOCore

/// Detects merged requests (RFC 3261 §8.2.2.2): a request without a To tag whose From tag,
/// Call-ID and CSeq equal those of a request already being processed, but which belongs to a
/// different transaction (it reached us twice over different paths after a fork). The UAS answers
/// it with 482 (Loop Detected).
///
/// The caller asks only for requests without a To tag, after transaction matching failed to find
/// an existing server transaction (a retransmission never reaches it). Memory is bounded both in
/// time (an entry lives ``Configuration/lifetime``, long enough to cover the transaction it
/// stands for) and in size (past ``Configuration/capacity`` the oldest entry goes first), so a
/// flood of new requests cannot grow it without limit.
package struct MergedRequestDetector: Sendable {
    /// Bounds on what the detector remembers.
    package struct Configuration: Hashable, Sendable {
        /// How long a request is remembered after it was first seen; 64·T1 outlasts a non-INVITE
        /// server transaction and the retransmission window of an INVITE. Default: 32 s.
        package var lifetime: TimeAmount

        /// How many requests are remembered at most; the oldest is forgotten first. Default: 4096.
        package var capacity: Int

        /// Creates a configuration; every argument defaults to the value documented on its field.
        package init(lifetime: TimeAmount = .seconds(32), capacity: Int = 4096) {
            self.lifetime = lifetime
            self.capacity = capacity
        }
    }

    /// What the detector says about a request.
    package enum Verdict: Hashable, Sendable {
        /// Not seen before (now remembered): process it.
        case new
        /// Seen before with the same transaction key: it belongs to that transaction.
        case sameTransaction
        /// Same From tag, Call-ID and CSeq but another transaction: answer 482 (Loop Detected).
        case merged
    }

    private struct Identity: Hashable, Sendable {
        let fromTag: String
        let callID: String
        let cseqNumber: UInt32
        let cseqMethod: String
        /// Every field hashed once (``HashedOnce``, as ``TransactionKey`` does): the tables mix this one
        /// word per lookup and compare it before the strings.
        let digest: Int

        init(fromTag: String, callID: String, cseqNumber: UInt32, cseqMethod: String) {
            self.fromTag = fromTag
            self.callID = callID
            self.cseqNumber = cseqNumber
            self.cseqMethod = cseqMethod
            digest = HashedOnce.digest {
                $0.combine(fromTag)
                $0.combine(callID)
                $0.combine(cseqNumber)
                $0.combine(cseqMethod)
            }
        }

        static func == (lhs: Identity, rhs: Identity) -> Bool {
            lhs.digest == rhs.digest && lhs.cseqNumber == rhs.cseqNumber && lhs.callID == rhs.callID
                && lhs.fromTag == rhs.fromTag && lhs.cseqMethod == rhs.cseqMethod
        }

        func hash(into hasher: inout Hasher) { hasher.combine(digest) }

        func _rawHashValue(seed: Int) -> Int { HashedOnce.rawHashValue(digest, seed: seed) }
    }

    private struct Entry: Hashable, Sendable {
        var transaction: TransactionKey
        var expiry: NIODeadline
    }

    /// The bounds in force.
    package let configuration: Configuration

    private var entries: [Identity: Entry] = [:]
    /// The identity each remembered transaction was checked with, so a transaction that ends can be
    /// forgotten by its key alone (its driver need not keep the identity for Timer J's 32 s).
    private var identities: [TransactionKey: Identity] = [:]
    // Insertion order, which is expiry order since every entry lives the same time. Consumed
    // from `head`; compacted when the consumed part dominates.
    private var order: [(identity: Identity, expiry: NIODeadline)] = []
    private var head = 0

    /// Creates an empty detector.
    package init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// How many requests are remembered now.
    package var count: Int { entries.count }

    /// How many transactions can be forgotten by key now (tests of the memory bound).
    package var indexedTransactionCount: Int { identities.count }

    /// Checks a request without a To tag, and remembers it if it is new.
    package mutating func check(
        fromTag: String,
        callID: String,
        cseqNumber: UInt32,
        cseqMethod: String,
        transaction: TransactionKey,
        now: NIODeadline
    ) -> Verdict {
        expire(now: now)
        let identity = Identity(fromTag: fromTag, callID: callID, cseqNumber: cseqNumber, cseqMethod: cseqMethod)
        if let entry = entries[identity] {
            return entry.transaction == transaction ? .sameTransaction : .merged
        }
        guard configuration.capacity > 0 else { return .new }
        // Slots left behind by `forget` count too, so the order list stays bounded as well.
        while entries.count >= configuration.capacity || order.count - head >= 2 * configuration.capacity,
            evictOldest()
        {}
        let expiry = now + configuration.lifetime
        entries[identity] = Entry(transaction: transaction, expiry: expiry)
        identities[transaction] = identity
        order.append((identity, expiry))
        return .new
    }

    /// Forgets a request whose transaction has ended, before its lifetime runs out.
    package mutating func forget(fromTag: String, callID: String, cseqNumber: UInt32, cseqMethod: String) {
        // The stale `order` slot is skipped when it comes up (its expiry no longer matches).
        let identity = Identity(fromTag: fromTag, callID: callID, cseqNumber: cseqNumber, cseqMethod: cseqMethod)
        if let entry = entries.removeValue(forKey: identity), identities[entry.transaction] == identity {
            identities[entry.transaction] = nil
        }
    }

    /// Forgets the request of a transaction that has ended, by the transaction's key; nothing happens
    /// when it is not remembered (never checked, or already expired or evicted).
    package mutating func forget(transaction: TransactionKey) {
        guard let identity = identities.removeValue(forKey: transaction) else { return }
        if entries[identity]?.transaction == transaction { entries[identity] = nil }
    }

    private mutating func expire(now: NIODeadline) {
        while head < order.count, order[head].expiry <= now {
            _ = evictOldest()
        }
    }

    /// Drops the oldest slot of `order` (and its entry, unless the identity was forgotten and
    /// remembered again since). False when there is nothing left to drop.
    private mutating func evictOldest() -> Bool {
        guard head < order.count else { return false }
        let (identity, expiry) = order[head]
        head += 1
        if let entry = entries[identity], entry.expiry == expiry {
            entries[identity] = nil
            if identities[entry.transaction] == identity { identities[entry.transaction] = nil }
        }
        if head >= 64, head * 2 >= order.count {
            order.removeFirst(head)
            head = 0
        }
        return true
    }
}
