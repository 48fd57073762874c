import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A numeric IPv4 or IPv6 address, kept in its canonical text form (what `inet_ntop` prints), so
/// two spellings of one address compare equal and the value can go straight into a `SocketAddress`.
package struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    package enum Family: Sendable, Hashable {
        case v4
        case v6
    }

    package let family: Family
    /// Canonical text, without brackets: `192.0.2.1`, `2001:db8::1`.
    package let text: String

    /// Parses a numeric address; IPv6 may be written in brackets as in a SIP URI host
    /// (RFC 3261 §25.1 `IPv6reference`). Returns `nil` for a host name or anything malformed.
    package init?(_ string: some StringProtocol) {
        var candidate = Substring(string)
        if candidate.first == "[" && candidate.last == "]" && candidate.count >= 2 {
            candidate = candidate.dropFirst().dropLast()
        }
        // Scoped (`fe80::1%eth0`) and overlong inputs are not numeric hosts here.
        guard !candidate.isEmpty, candidate.utf8.count < 64 else { return nil }
        let raw = String(candidate)
        if let text = Self.canonical(raw, family: AF_INET, byteCount: 4) {
            self.family = .v4
            self.text = text
        } else if let text = Self.canonical(raw, family: AF_INET6, byteCount: 16) {
            self.family = .v6
            self.text = text
        } else {
            return nil
        }
    }

    /// From the network-order bytes c-ares hands back (4 for IPv4, 16 for IPv6).
    package init?(networkBytes bytes: some Collection<UInt8>) {
        let array = Array(bytes)
        let family: Int32
        switch array.count {
        case 4: family = AF_INET
        case 16: family = AF_INET6
        default: return nil
        }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let printed = array.withUnsafeBytes { raw in
            inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count))
        }
        guard printed != nil else { return nil }
        self.family = family == AF_INET ? .v4 : .v6
        self.text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    package var description: String { text }

    /// The socket address to connect or send to.
    package func socketAddress(port: UInt16) throws -> SocketAddress {
        try SocketAddress(ipAddress: text, port: Int(port))
    }

    private static func canonical(_ text: String, family: Int32, byteCount: Int) -> String? {
        var bytes = [UInt8](repeating: 0, count: 16)
        let parsed = bytes.withUnsafeMutableBytes { inet_pton(family, text, $0.baseAddress) }
        guard parsed == 1 else { return nil }
        return IPAddress(networkBytes: bytes.prefix(byteCount))?.text
    }
}
