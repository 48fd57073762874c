/// Grammars of the attribute values offer/answer relies on. The parser checks them when it reads a
/// description (so a malformed one is an error with its line); the typed accessors reuse them.
enum SDPAttributeGrammar {
    /// `<payload type> <encoding name>/<clock rate>[/<encoding parameters>]` (RFC 4566 §6).
    static func rtpmap(_ value: String) -> RTPPayloadFormat? {
        guard let (type, rest) = firstWord(value), let pt = UInt8(type), pt < 128 else { return nil }
        let utf8 = rest.utf8
        guard let slash = utf8.firstIndex(of: UInt8(ascii: "/")) else { return nil }
        let name = rest[..<slash]
        let tail = rest[utf8.index(after: slash)...]
        let second = tail.utf8.firstIndex(of: UInt8(ascii: "/"))
        guard !name.isEmpty, !name.utf8.contains(UInt8(ascii: " ")), let rate = Int(tail[..<(second ?? tail.endIndex)]),
            rate > 0
        else { return nil }
        var channels: Int?
        if let second {
            let last = tail[tail.utf8.index(after: second)...]
            guard !last.utf8.contains(UInt8(ascii: "/")), let count = Int(last), count > 0 else { return nil }
            channels = count
        }
        return RTPPayloadFormat(payloadType: pt, encodingName: String(name), clockRate: rate, channels: channels)
    }

    /// `<format> <format specific parameters>` (RFC 4566 §6); only RTP's numeric formats are typed.
    static func fmtp(_ value: String) -> (payloadType: UInt8, parameters: String)? {
        guard let (type, rest) = firstWord(value), let pt = UInt8(type), pt < 128 else { return nil }
        return (pt, String(rest))
    }

    /// The first SP-separated word of `value` (leading spaces skipped) and everything after the one
    /// space that ends it, which must not be empty: `value.split(separator: " ", maxSplits: 1)`'s two
    /// parts, read on the bytes (both grammars run on every description a call receives).
    private static func firstWord(_ value: String) -> (Substring, Substring)? {
        let utf8 = value.utf8
        guard let start = utf8.firstIndex(where: { $0 != UInt8(ascii: " ") }),
            let space = utf8[start...].firstIndex(of: UInt8(ascii: " "))
        else { return nil }
        let rest = utf8.index(after: space)
        guard rest != utf8.endIndex else { return nil }
        return (value[start..<space], value[rest...])
    }

    /// `<packet time>` in milliseconds. RFC 4566 allows a fraction; a sender can only honour whole
    /// milliseconds, so `20.0` reads as 20 and anything outside 1…1000 is refused.
    static func ptime(_ value: String) -> Int? {
        if let whole = Int(value), (1...1000).contains(whole) { return whole }
        if let real = Double(value), real.isFinite, real >= 1, real <= 1000 { return Int(real) }
        return nil
    }

    /// `<port> [IN IP4|IP6 <address>]` (RFC 3605 §2.1).
    static func rtcp(_ value: String) -> SDPRTCPAttribute? {
        let parts = value.split(separator: " ", omittingEmptySubsequences: true)
        guard let first = parts.first, let port = Int(first), (0...65535).contains(port) else { return nil }
        switch parts.count {
        case 1: return SDPRTCPAttribute(port: port)
        case 4:
            return SDPRTCPAttribute(
                port: port,
                connection: SDPConnection(
                    addressType: String(parts[2]), address: String(parts[3]), networkType: String(parts[1])))
        default: return nil
        }
    }
}
