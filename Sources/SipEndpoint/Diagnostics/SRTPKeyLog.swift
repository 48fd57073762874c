import Foundation
import SIPMedia

/// `srtp_key_log`: one JSON object per line for each SRTP key a call's stream uses, per direction, so
/// that a packet capture can be decrypted when troubleshooting, the way TLS key logs work:
///
///     {"time":"2026-12-06T06:10:00.123Z","callID":"…","direction":"send","local":"10.0.0.5:40000",
///      "remote":"10.0.0.9:20000","suite":"AES_CM_128_HMAC_SHA1_80","key":"<inline key, base64>"}
///
/// `direction` is ours: `send` keys protect what leaves `local` for `remote`, `receive` keys what
/// comes back. `key` is the inline key of `a=crypto` (master key then salt, base64; RFC 4568 §6.1).
/// The file is created with mode 0600 and appended to (``LogFile``); whoever holds it and a capture
/// hears the calls, so it is off by default and `validate` warns while it is set. Nothing else in
/// the SDK writes a key anywhere: logs and traces mask them.
final class SRTPKeyLog: Sendable {
    enum Direction: String, Sendable { case send, receive }

    struct Entry: Sendable {
        var time: Date
        var callID: String
        var direction: Direction
        var local: String
        var remote: String
        var key: SRTPMasterKey
    }

    private let file: LogFile

    init(path: String) throws {
        file = try LogFile(path: path)
    }

    func write(_ entry: Entry) {
        file.write(line: Self.line(entry))
    }

    /// The JSON line of an entry (keys in a fixed order; values escaped as JSON strings).
    static func line(_ entry: Entry) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let fields: [(String, String)] = [
            ("time", formatter.string(from: entry.time)), ("callID", entry.callID),
            ("direction", entry.direction.rawValue),
            ("local", entry.local), ("remote", entry.remote), ("suite", entry.key.suite.name),
            ("key", entry.key.base64),
        ]
        return "{" + fields.map { "\(quoted($0.0)):\(quoted($0.1))" }.joined(separator: ",") + "}"
    }

    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension SRTPPolicy {
    init(_ use: SecurityConfiguration.SRTPUse) {
        switch use {
        case .disabled: self = .disabled
        case .optional: self = .optional
        case .mandatory: self = .mandatory
        }
    }
}
