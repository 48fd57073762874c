/// Rewriting the top Via in place, for the transport layer: it fills sent-by on requests it sends
/// (RFC 3261 §18.1.1) and stamps `received`/`rport` on requests it receives (§18.2.1, RFC 3581 §4).
extension SIPMessage {
    /// Replaces the top Via value. Other via-parms written on the same header line (`Via: a, b`) are
    /// kept, in order; the line keeps its position. With no Via at all, `via` becomes the first header.
    package mutating func replaceTopVia(_ via: SIPVia) throws(SIPParseError) {
        guard let index = headers.firstIndex(of: SIPHeaderName.Known.via) else {
            headers.prepend(.via, via.description)
            return
        }
        // A line without a comma holds one via-parm (a comma outside quotes separates them, §7.3.1):
        // the common case, replaced without parsing the line again.
        let holdsOne = headers.withValueBytes(at: index) { !$0.contains(.comma) }
        if holdsOne {
            headers.add(name: .via, value: via.description)
        } else {
            var line = try headers.withValueBytes(at: index) { (b) throws(SIPParseError) -> [SIPVia] in
                try SIPVia.parseList(b)
            }
            guard !line.isEmpty else { throw SIPParseError(.invalidHeaderValue, "Via: empty value") }
            line[0] = via
            headers.add(name: .via, value: line.map(\.description).joined(separator: ", "))
        }
        let rewritten = headers.entries.removeLast()
        headers.entries[index] = rewritten
    }
}
