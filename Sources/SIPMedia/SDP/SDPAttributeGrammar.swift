/// Grammars of the attribute values offer/answer relies on. The parser checks them when it reads a
/// description (so a malformed one is an error with its line); the typed accessors reuse them.
enum SDPAttributeGrammar {
    /// `<payload type> <encoding name>/<clock rate>[/<encoding parameters>]` (RFC 4566 §6).
    static func rtpmap(_ value: String) -> RTPPayloadFormat? {
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, let pt = UInt8(parts[0]), pt < 128 else { return nil }
        let encoding = parts[1].split(separator: "/", omittingEmptySubsequences: false)
        guard (2...3).contains(encoding.count), !encoding[0].isEmpty, !encoding[0].utf8.contains(UInt8(ascii: " ")),
            let rate = Int(encoding[1]), rate > 0
        else { return nil }
        var channels: Int?
        if encoding.count == 3 {
            guard let count = Int(encoding[2]), count > 0 else { return nil }
            channels = count
        }
        return RTPPayloadFormat(payloadType: pt, encodingName: String(encoding[0]), clockRate: rate, channels: channels)
    }

    /// `<format> <format specific parameters>` (RFC 4566 §6); only RTP's numeric formats are typed.
    static func fmtp(_ value: String) -> (payloadType: UInt8, parameters: String)? {
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, let pt = UInt8(parts[0]), pt < 128 else { return nil }
        return (pt, String(parts[1]))
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
