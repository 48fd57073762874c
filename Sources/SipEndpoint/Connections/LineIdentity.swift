import SIPUserAgent

/// Who each connection is on the wire: the agent line's RFC 5626 `+sip.instance`, and the Contact
/// that connection registers, which carries a token of its own.
///
/// Two connections of one agent (the same DN on two sites) used to register the same Contact, so a
/// request that reached the phone said nothing about which site or which line it was for unless it
/// came from the registrar's own address. Now each connection registers `sip:<DN>-<token>@host:port`,
/// and a request is mapped to its connection by the token in its Request-URI, whatever address
/// delivered it (an SBC, another SRV peer of the site).
///
/// The token is a hash of the line's instance, the connection's position, site and transport: stable
/// across restarts as long as those are (so a restarted agent replaces its binding, RFC 5626 §4.2.1),
/// and unguessable as long as the instance is. The instance is the application's when it gives one;
/// otherwise it is derived from the DN and the password (which a scanner does not have), or random
/// for the phone's life when the connection has no password.
enum LineIdentity {
    /// Hex digits of a Contact token: 80 bits.
    static let tokenLength = 20

    /// The line's `+sip.instance` URN (`urn:uuid:…`, or the application's `urn:…` as given).
    static func instanceURN(configured: String?, user: String, password: String?, random: () -> String) -> String {
        if let configured, !configured.isEmpty {
            return configured.lowercased().hasPrefix("urn:") ? configured : "urn:uuid:\(configured.lowercased())"
        }
        guard let password, !password.isEmpty,
            let hash = DigestHashFunction.sha256.hex("sipendpoint-instance\0\(user)\0\(password)")
        else { return random() }
        // An RFC 4122 name-based UUID (version 5 layout) from the hash.
        var hex = Array(hash.utf8.prefix(32))
        hex[12] = UInt8(ascii: "5")
        let variant = "89ab".utf8.map { $0 }
        hex[16] = variant[Int(hex[16] % 4)]
        let text = String(decoding: hex, as: UTF8.self)
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { r in
            String(text.utf8.dropFirst(r.lowerBound).prefix(r.count).map { Character(Unicode.Scalar($0)) })
        }
        return "urn:uuid:" + parts.joined(separator: "-")
    }

    /// The token of connection `id` of a line.
    static func contactToken(instanceURN: String, connectionId: Int, server: ServerAddress, transport: SIPTransportKind)
        -> String
    {
        let input = "sipendpoint-contact\0\(instanceURN)\0\(connectionId)\0\(server)\0\(transport.rawValue)"
        let hash =
            DigestHashFunction.sha256.hex(input) ?? DigestHashFunction.md5.hex(input)
            ?? String(repeating: "0", count: 32)
        return String(hash.prefix(tokenLength))
    }

    /// The Contact's user part: the DN, a dash, the token.
    static func contactUser(user: String, token: String) -> String { "\(user)-\(token)" }

    /// The token in a Request-URI's user part, when it has the shape of one (the Contact the site
    /// holds for us); nil for a plain DN.
    static func token(inUser user: String) -> String? {
        guard let dash = user.utf8.lastIndex(of: UInt8(ascii: "-")) else { return nil }
        let suffix = user.utf8[user.utf8.index(after: dash)...]
        guard suffix.count == tokenLength,
            suffix.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { return nil }
        return String(decoding: suffix, as: UTF8.self)
    }
}
