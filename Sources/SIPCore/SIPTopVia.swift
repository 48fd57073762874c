/// The top Via of a received message as the layers above the transport read it: the transport of
/// sent-protocol, sent-by, and the via-params that transaction matching (RFC 3261 §17.1.3, §17.2.3)
/// and response routing (§18.2.2, RFC 3581 §4) use.
///
/// The receive path reads it from the message's bytes through ``SIPViaView``: unlike a ``SIPVia`` it
/// keeps no parameter list (a `String` for every name and value), and every field equals what the
/// ``SIPVia`` of the same value says (``init(_:)`` converts one).
public struct SIPTopVia: Sendable, Hashable {
    /// Transport as written, uppercased (as ``SIPVia/transport``).
    public var transport: String
    /// The sent-by host (IPv6 with brackets).
    public var host: String
    /// The sent-by port; nil when absent (the transport's default, §18.2.2).
    public var port: Int?
    /// The `branch` parameter (§8.1.1.7); nil when absent or valueless.
    public var branch: String?
    /// The `received` parameter (§18.2.1); nil when absent or valueless.
    public var received: String?
    /// The `maddr` parameter (§18.2.2); nil when absent or valueless.
    public var maddr: String?
    /// `rport` with a numeric value (RFC 3581 §4).
    public var rport: Int?
    /// `rport` present, with or without a value.
    public var hasRPort: Bool

    /// `host[:port]`, the sent-by as written in the message.
    public var sentBy: String { port.map { "\(host):\($0)" } ?? host }

    /// Every field as given.
    public init(
        transport: String, host: String, port: Int?, branch: String?, received: String? = nil,
        maddr: String? = nil, rport: Int? = nil, hasRPort: Bool = false
    ) {
        self.transport = transport
        self.host = host
        self.port = port
        self.branch = branch
        self.received = received
        self.maddr = maddr
        self.rport = rport
        self.hasRPort = hasRPort
    }

    /// The fields of a parsed Via.
    public init(_ via: SIPVia) {
        self.init(
            transport: via.transport, host: via.host, port: via.port, branch: via.branch, received: via.received,
            maddr: via.maddr, rport: via.rport, hasRPort: via.hasRPort)
    }
}

extension SIPMessage {
    /// The fields of a Via view, read from the bytes in one pass over its parameters: the first
    /// parameter of each name counts, names compare ignoring ASCII case (as ``SIPParameters`` looks
    /// them up), values are as written.
    package func topViaFields(_ view: SIPViaView) -> SIPTopVia {
        var fields = SIPTopVia(
            transport: headers.withBytes(of: view.transport) { SIPVia.transportToken($0) }, host: string(view.host),
            port: view.port, branch: nil)
        let list = view.parameters
        guard !list.isEmpty else { return fields }
        var seen: (branch: Bool, received: Bool, maddr: Bool) = (false, false, false)
        headers.withBytes(of: list.range) { bytes in
            list.forEachEntry(in: bytes) { nameRange, valueRange in
                let name = UnsafeRawBufferPointer(rebasing: bytes[nameRange])
                let value = valueRange.map {
                    String(decoding: UnsafeRawBufferPointer(rebasing: bytes[$0]), as: UTF8.self)
                }
                if bytesEqualCaseInsensitive(name, "branch") {
                    if !seen.branch { (seen.branch, fields.branch) = (true, value) }
                } else if bytesEqualCaseInsensitive(name, "rport") {
                    if !fields.hasRPort { (fields.hasRPort, fields.rport) = (true, value.flatMap { Int($0) }) }
                } else if bytesEqualCaseInsensitive(name, "received") {
                    if !seen.received { (seen.received, fields.received) = (true, value) }
                } else if bytesEqualCaseInsensitive(name, "maddr") {
                    if !seen.maddr { (seen.maddr, fields.maddr) = (true, value) }
                }
                return true
            }
        }
        return fields
    }
}
