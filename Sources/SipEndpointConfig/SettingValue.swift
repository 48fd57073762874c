import Foundation
import SipEndpoint

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The value kinds of `SipEndpoint.config`, each parsed into the type its field holds or refused with
/// a sentence saying what is accepted. The caller adds the file, line and path, and decides whether
/// the value may be quoted (never for a password).
enum SettingValue {
    typealias Parsed<T> = Result<T, Refusal>

    /// What is wrong with a value, worded so it can follow the quoted value: `"abc" is not …`.
    struct Refusal: Error, Equatable {
        var reason: String
    }

    /// The largest number of seconds or milliseconds accepted: timers are later multiplied into
    /// nanoseconds, and 2^31−1 s of those still fits in 64 bits.
    static let maximumDuration = Int(Int32.max)

    static func boolean(_ text: String) -> Parsed<Bool> {
        switch text.lowercased() {
        case "1", "true": .success(true)
        case "0", "false": .success(false)
        default: .failure(Refusal(reason: "is not a boolean; accepted: 0, 1, true, false"))
        }
    }

    static func integer(_ text: String, in range: ClosedRange<Int>, unit: String) -> Parsed<Int> {
        guard let value = Int(text), range.contains(value) else {
            let kind = Int(text) == nil ? "is not an integer" : "is out of range"
            return .failure(Refusal(reason: "\(kind); accepted: \(unit) \(range.lowerBound)–\(range.upperBound)"))
        }
        return .success(value)
    }

    /// `auto` (nil) or seconds 0–86400 (flap damping: 0 turns it off; a day is longer than any hold-down
    /// worth having, and a typo beyond it is better refused).
    static func autoSeconds(_ text: String) -> Parsed<Int?> {
        if text.lowercased() == "auto" { return .success(nil) }
        guard let seconds = Int(text), (0...86400).contains(seconds) else {
            let kind = Int(text) == nil ? "is neither auto nor an integer" : "is out of range"
            return .failure(Refusal(reason: "\(kind); accepted: auto, or seconds 0–86400"))
        }
        return .success(seconds)
    }

    /// `invite_timeout`: `auto` (nil: learned from the round-trip time) or milliseconds in `range`.
    static func inviteTimeout(_ text: String, in range: ClosedRange<Int>) -> Parsed<Int?> {
        if text.lowercased() == "auto" { return .success(nil) }
        guard let value = Int(text), range.contains(value) else {
            let kind = Int(text) == nil ? "is not an integer nor auto" : "is out of range"
            return .failure(
                Refusal(reason: "\(kind); accepted: auto, milliseconds \(range.lowerBound)–\(range.upperBound)"))
        }
        return .success(value)
    }

    static func port(_ text: String) -> Parsed<Int> { integer(text, in: 1...65535, unit: "a port") }

    /// Seconds up to an hour, 0 meaning off (nil): a media timer longer than that would never fire in
    /// practice, and a typo like 30000 is better refused than silently kept.
    static func inactivityTimeout(_ text: String) -> Parsed<Duration?> {
        guard let seconds = Int(text), (0...3600).contains(seconds) else {
            let kind = Int(text) == nil ? "is not an integer" : "is out of range"
            return .failure(Refusal(reason: "\(kind); accepted: 0 (off) or seconds 1–3600"))
        }
        return .success(seconds == 0 ? nil : .seconds(seconds))
    }

    /// RFC 4028 session interval: 0 (off) or 90 (the smallest Min-SE, §5) to a day.
    static func sessionExpires(_ text: String) -> Parsed<Int> {
        guard let seconds = Int(text), seconds == 0 || (90...86400).contains(seconds) else {
            let kind = Int(text) == nil ? "is not an integer" : "is out of range"
            return .failure(Refusal(reason: "\(kind); accepted: 0 (off) or seconds 90–86400 (RFC 4028's Min-SE is 90)"))
        }
        return .success(seconds)
    }

    /// A SIP header name (RFC 3261 §25.1 token), or empty for none (nil).
    static func headerName(_ text: String) -> Parsed<String?> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return .success(nil) }
        let token = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~")
        guard trimmed.allSatisfy({ token.contains($0) }) else {
            return .failure(
                Refusal(reason: "is not a header name; accepted: a token such as X-Genesys-CallUUID, or empty (off)"))
        }
        return .success(trimmed)
    }

    static func transport(_ text: String) -> Parsed<SIPTransportKind> {
        guard let kind = SIPTransportKind(rawValue: text.lowercased()) else {
            return .failure(Refusal(reason: "is not a transport; accepted: UDP, TCP, TLS (any case)"))
        }
        return .success(kind)
    }

    static func server(_ text: String) -> Parsed<ServerAddress> {
        guard let address = ServerAddress(text) else {
            return .failure(
                Refusal(reason: "is not a server address; accepted: host, host:port, [IPv6]:port (port 1–65535)"))
        }
        return .success(address)
    }

    /// A host name or address without a port (`domain`, `public_address`).
    static func host(_ text: String) -> Parsed<String> {
        guard let address = ServerAddress(text), address.port == nil else {
            return .failure(Refusal(reason: "is not a host; accepted: a host name or an IP address, without a port"))
        }
        return .success(address.host)
    }

    /// An IPv4 or IPv6 literal (`local_address`).
    static func ipAddress(_ text: String) -> Parsed<String> {
        guard isIPAddress(text) else {
            return .failure(
                Refusal(reason: "is not an IP address; accepted: an IPv4 or IPv6 address such as 0.0.0.0 or ::"))
        }
        return .success(text)
    }

    /// `dns_servers`: comma-separated `address[:port]`, addresses only (a DNS server cannot be found by name).
    static func dnsServers(_ text: String) -> Parsed<[ServerAddress]> {
        var servers: [ServerAddress] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let entry = item.trimmingCharacters(in: .whitespaces)
            guard let address = ServerAddress(entry), isIPAddress(address.host) else {
                return .failure(
                    Refusal(
                        reason: "has \"\(entry)\", not a DNS server; accepted: comma-separated IP[:port] or [IPv6]:port"
                    ))
            }
            servers.append(address)
        }
        return .success(servers)
    }

    /// `retry_codes`: comma-separated 3-digit final response codes 300–699.
    static func responseCodes(_ text: String) -> Parsed<Set<Int>> {
        var codes: Set<Int> = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let entry = item.trimmingCharacters(in: .whitespaces)
            guard entry.count == 3, let code = Int(entry), (300...699).contains(code) else {
                return .failure(
                    Refusal(
                        reason:
                            "has \"\(entry)\", not a final response code; accepted: comma-separated codes 300–699, e.g. 408,503,504"
                    ))
            }
            codes.insert(code)
        }
        return .success(codes)
    }

    static func dtmfMethod(_ text: String) -> Parsed<SessionPolicy.DTMFMethod> {
        guard let method = SessionPolicy.DTMFMethod(rawValue: text.lowercased()) else {
            return .failure(Refusal(reason: "is not a DTMF method; accepted: rfc2833, info"))
        }
        return .success(method)
    }

    /// A value of one of an enum's raw values (any case); the refusal lists them.
    static func oneOf<Value: RawRepresentable & CaseIterable>(_ text: String, what: String) -> Parsed<Value>
    where Value.RawValue == String {
        guard let value = Value(rawValue: text.lowercased()) else {
            let accepted = Value.allCases.map(\.rawValue).joined(separator: ", ")
            return .failure(Refusal(reason: "is not \(what); accepted: \(accepted)"))
        }
        return .success(value)
    }

    /// `use_srtp`: disabled, optional, mandatory (the Genesys values).
    static func srtpUse(_ text: String) -> Parsed<SecurityConfiguration.SRTPUse> {
        guard let use = SecurityConfiguration.SRTPUse(rawValue: text.lowercased()) else {
            return .failure(Refusal(reason: "is not an SRTP policy; accepted: disabled, optional, mandatory"))
        }
        return .success(use)
    }

    static func unsolicitedRequests(_ text: String) -> Parsed<EndpointPolicy.UnsolicitedRequests> {
        guard let policy = EndpointPolicy.UnsolicitedRequests(rawValue: text.lowercased()) else {
            return .failure(Refusal(reason: "is not a policy for unsolicited requests; accepted: drop, reject, accept"))
        }
        return .success(policy)
    }

    /// A `+sip.instance`: a UUID (`f81d4fae-7dec-11d0-a765-00a0c91e6bf6`) or a URN (`urn:uuid:…`).
    static func instanceID(_ text: String) -> Parsed<String> {
        let allowed = text.utf8.allSatisfy { b in
            (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || b == 0x2D
                || b == 0x3A
                || b == 0x2E
        }
        guard !text.isEmpty, text.utf8.count <= 128, allowed else {
            return .failure(
                Refusal(reason: "is not an instance id; accepted: a UUID or a urn: of letters, digits, '-', ':', '.'"))
        }
        return .success(text)
    }

    /// The level names, or the Genesys SDK's numbers 0–4 (fatal … debug) so existing files keep working.
    static func logLevel(_ text: String) -> Parsed<DiagnosticsConfiguration.LogLevel> {
        if let level = DiagnosticsConfiguration.LogLevel(rawValue: text.lowercased()) { return .success(level) }
        let genesysLevels: [DiagnosticsConfiguration.LogLevel] = [.critical, .error, .warning, .info, .debug]
        if let number = Int(text), genesysLevels.indices.contains(number) { return .success(genesysLevels[number]) }
        let names = DiagnosticsConfiguration.LogLevel.allCases.map(\.rawValue).joined(separator: ", ")
        return .failure(Refusal(reason: "is not a log level; accepted: \(names), or the Genesys numbers 0–4"))
    }

    /// A user part (`user`, `auth_user`): no spaces, and none of the characters that end a SIP user part.
    static func userName(_ text: String) -> Parsed<String> {
        let forbidden: Set<Character> = ["@", ":", "<", ">", "\"", ";", "?"]
        guard !text.isEmpty, !text.contains(where: { $0.isWhitespace || forbidden.contains($0) || $0.isASCIIControl })
        else {
            return .failure(Refusal(reason: "is not a user name; accepted: a DN without spaces or @ : < > \" ; ?"))
        }
        return .success(text)
    }

    /// `auth_realm`: realms separated by commas, blanks around each ignored; `*` is any realm. A
    /// realm is a quoted string in the challenge (RFC 3261 §25.1), so no `"`, `\` or control
    /// characters.
    static func realmList(_ text: String) -> Parsed<[String]> {
        let realms = text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard !realms.isEmpty,
            realms.allSatisfy({ !$0.isEmpty && !$0.contains(where: { $0 == "\"" || $0 == "\\" || $0.isASCIIControl }) })
        else {
            return .failure(
                Refusal(
                    reason:
                        "is not a list of realms; accepted: realms separated by commas (no empty one, no \" or \\), or *"
                ))
        }
        return .success(realms)
    }

    /// Free text that ends up in a header (`display_name`): no control characters, so no header injection.
    static func headerText(_ text: String) -> Parsed<String> {
        guard !text.contains(where: { $0.isASCIIControl }) else {
            return .failure(Refusal(reason: "contains a control character (a line break?); accepted: one line of text"))
        }
        return .success(text)
    }

    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}

extension Character {
    fileprivate var isASCIIControl: Bool {
        unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }
}
