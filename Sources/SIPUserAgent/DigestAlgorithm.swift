/// The `algorithm` of a digest challenge (RFC 7616 §3.3, §6.1 registry; RFC 8760 brings the same
/// set to SIP). The `-sess` variants hash the client nonce into A1 (§3.4.2).
package enum DigestAlgorithm: String, Sendable, Hashable, CaseIterable {
    case md5 = "MD5"
    case md5Session = "MD5-sess"
    case sha256 = "SHA-256"
    case sha256Session = "SHA-256-sess"
    case sha512_256 = "SHA-512-256"
    case sha512_256Session = "SHA-512-256-sess"

    /// Parses the token case-insensitively; an absent `algorithm` means MD5 (RFC 7616 §3.3).
    package init?(token: String?) {
        guard let token else {
            self = .md5
            return
        }
        let lower = token.lowercased()
        guard let match = Self.allCases.first(where: { $0.rawValue.lowercased() == lower }) else { return nil }
        self = match
    }

    package var hashFunction: DigestHashFunction {
        switch self {
        case .md5, .md5Session: .md5
        case .sha256, .sha256Session: .sha256
        case .sha512_256, .sha512_256Session: .sha512_256
        }
    }

    package var isSession: Bool {
        switch self {
        case .md5Session, .sha256Session, .sha512_256Session: true
        case .md5, .sha256, .sha512_256: false
        }
    }

    /// RFC 8760 §2.4: when a server offers several challenges, the client uses the strongest it
    /// supports ("the first one it supports, in the order SHA-512-256, SHA-256, MD5").
    var preference: Int {
        switch hashFunction {
        case .sha512_256: 3
        case .sha256: 2
        case .md5: 1
        }
    }
}
