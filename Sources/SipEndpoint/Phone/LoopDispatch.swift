/// Which of a phone's shards a message received on its listeners belongs to: a pure rule, no I/O.
///
/// A phone spreads its agents' lines over the loops of its event-loop group behind one set of SIP
/// listeners (``PhoneListeners``). Each loop runs a shard (a ``PhoneDriver``): a transaction layer and
/// the registrations and calls of the lines assigned to it. Every received message goes to one shard:
/// - A response: by its top Via branch. A shard marks the branch of every request it sends
///   (``mark(_:shard:)``: the branch its layer made, a dot, the shard's number) and the mark is taken
///   off (``unmark(_:)``) before its transaction layer matches the response (RFC 3261 §17.1.3), so
///   the layer sees the branch it made. An INVITE, its CANCEL and the ACK of its non-2xx carry the
///   same branch and so the same mark (§9.1, §17.1.1.3): equal branches stay equal on the wire.
///   The first shard sends its branches unmarked: a response without a mark goes to it anyway (see
///   the last rule), and it is the shard a one-line back end's line lives on, so such a phone neither
///   rewrites the Via of every request it sends nor takes a mark off every response.
/// - A request: by the agent line its Request-URI names (``line(inRequestURIUser:)``): the DN before
///   the Contact token for requests to a registered Contact, which every in-dialog request of our
///   calls is (the dialog's remote target is that Contact, §12.1.1), or the plain DN a site routes by.
/// - A request that names no known line (`OPTIONS sip:host`) from a site: the first shard with a line
///   on that site, which answers it as that site's connection.
/// - Anything else (a response without a mark, a stranger's request for no known line): the first
///   shard, whose admission rules answer or drop it as they would on a one-loop phone.
///
/// With one shard nothing is marked or looked at: every message goes to it as it arrived.
enum LoopDispatch {
    /// The branch `branch` as shard `shard` sends it: `branch.shard` (a token still, RFC 3261 §25.1).
    static func mark(_ branch: String, shard: Int) -> String { "\(branch).\(shard)" }

    /// The branch a shard made and the shard's number, when `branch` carries a shard's mark; nil otherwise.
    static func unmark(_ branch: String) -> (branch: String, shard: Int)? {
        let bytes = branch.utf8
        guard let dot = bytes.lastIndex(of: UInt8(ascii: ".")) else { return nil }
        let digits = bytes[bytes.index(after: dot)...]
        guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        let shard = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        return (String(decoding: bytes[..<dot], as: UTF8.self), shard)
    }

    /// The agent line (DN) a Request-URI's user part names: the DN of a Contact `<DN>-<token>`
    /// (``LineIdentity``), or the user part itself.
    static func line(inRequestURIUser user: String) -> String {
        guard LineIdentity.token(inUser: user) != nil,
            let dash = user.utf8.lastIndex(of: UInt8(ascii: "-"))
        else { return user }
        return String(decoding: user.utf8[..<dash], as: UTF8.self)
    }
}
