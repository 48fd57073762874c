/// The one-word hash of the transaction tables' keys (``TransactionKey``, the merged-request
/// detector's identities): every field is hashed once, when the key is made, by this process's
/// randomly seeded `Hasher`, so a peer choosing its branches or tags cannot aim at collisions.
enum HashedOnce {
    /// The digest of the fields `combine` feeds a fresh seeded hasher.
    static func digest(_ combine: (inout Hasher) -> Void) -> Int {
        var hasher = Hasher()
        combine(&hasher)
        return hasher.finalize()
    }

    /// What a key answers a dictionary's `_rawHashValue(seed:)` with: its digest, mixed with the
    /// table's per-instance seed by a multiply-xorshift step (a few instructions) instead of a new
    /// SipHash of the digest (`Hasher` seeding and finalizing: ≈ 150 instructions per lookup, on
    /// tables of 65,000 entries looked up several times per transaction).
    ///
    /// Overriding the underscored `Hashable` requirement is safe here: the digest is already a keyed
    /// hash, equal keys have equal digests (so equal raw hash values for any seed), and mixing the
    /// seed in keeps the per-table bucket order of seeded hashing (no clustering when one table's
    /// keys are inserted into another in bucket order).
    @inline(__always)
    static func rawHashValue(_ digest: Int, seed: Int) -> Int {
        var x = UInt64(truncatingIfNeeded: digest ^ seed)
        x ^= x >> 32
        x &*= 0xD6E8_FEB8_6659_FD93
        x ^= x >> 32
        return Int(truncatingIfNeeded: x)
    }
}
