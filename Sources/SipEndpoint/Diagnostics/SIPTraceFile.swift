import Foundation
import NIOCore
import SIPCore
import SIPTransport
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Writes every SIP message a phone sends and receives to a file, one JSON object per line, for
/// QuickStart's `--trace` and `ladder`. Fields: `time` (ISO 8601), `elapsed` (seconds since the trace
/// began), `direction` (`sent`/`received`), `transport`, `local`, `remote` (`address:port`),
/// `summary` (`INVITE`, `180 Ringing`, …), `cseq`, `callID`, `message` (the whole message).
///
/// Safe to keep (docs/THREAT-MODEL-logs.md):
/// - the file is created or truncated with mode 0600 (a file that existed is set to 0600 too), and a
///   symbolic link at the path is refused (a trace in a shared temporary directory cannot be pointed
///   at another file);
/// - `Authorization` and `Proxy-Authorization` values keep their scheme, `username` and `realm`;
///   everything else (`response`, `cnonce`, `nonce`, a bearer token…) becomes `<masked>`, unless the
///   trace was opened with `includeCredentials` — a digest response and its nonce are enough for an
///   offline password guess;
/// - past `maximumBytes` the file is renamed to `FILE.1` (replacing the previous one) and a new file
///   begins, so a trace left running holds at most twice that.
public final class SIPTraceFile: Sendable {
    /// The path of the current trace file; after rotation the previous one is at `path + ".1"`.
    public let path: String
    /// Whether Authorization and Proxy-Authorization values are written as they were.
    public let includeCredentials: Bool
    /// The size at which the file rotates.
    public let maximumBytes: Int
    /// Default size limit: 50 MiB.
    public static let defaultMaximumBytes = 50 << 20

    private let start = NIODeadline.now()
    private let state: Mutex<State>

    private struct State {
        var descriptor: Int32
        var written: Int
    }

    /// Creates (or truncates) the file, mode 0600.
    /// - Parameters:
    ///   - includeCredentials: write Authorization and Proxy-Authorization values unmasked. Default: false.
    ///   - maximumBytes: rotate to `path.1` past this size (at least 4096). Default: 50 MiB.
    public init(path: String, includeCredentials: Bool = false, maximumBytes: Int = SIPTraceFile.defaultMaximumBytes)
        throws
    {
        self.path = path
        self.includeCredentials = includeCredentials
        self.maximumBytes = max(4096, maximumBytes)
        let descriptor = try Self.open(path)
        state = Mutex(State(descriptor: descriptor, written: 0))
    }

    deinit {
        state.withLock { state in
            if state.descriptor >= 0 { Glibc.close(state.descriptor) }
        }
    }

    /// Opens `path` for writing from empty with mode 0600: O_CREAT's mode for a new file, fchmod for
    /// one that existed (O_CREAT leaves its mode alone), O_NOFOLLOW against a planted symbolic link.
    static func open(_ path: String) throws -> Int32 {
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            throw SipEndpointError(
                .invalidConfiguration, "cannot write the trace file \(path): \(String(cString: strerror(errno)))")
        }
        guard fchmod(descriptor, 0o600) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(descriptor)
            throw SipEndpointError(
                .invalidConfiguration, "cannot make the trace file \(path) private (mode 0600): \(reason)")
        }
        return descriptor
    }

    func write(_ record: SIPTraceRecord) {
        write(
            message: record.message, time: record.time, direction: record.direction.rawValue,
            transport: record.transport.viaToken.lowercased(), local: record.local, remote: record.remote)
    }

    /// One message as a line (the parts of a ``SIPTraceRecord``).
    package func write(
        message m: SIPMessage, time: NIODeadline, direction: String, transport: String, local: String, remote: String
    ) {
        let summary: String
        switch m.startLine {
        case .request(let method, _): summary = method.rawValue
        case .response(let code, let reason): summary = "\(code) \(reason)"
        }
        let wall = Date().addingTimeInterval(-Double((NIODeadline.now() - time).nanoseconds) / 1e9)
        let line = SIPTraceLine(
            time: wall.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)),
            elapsed: Double((time - start).nanoseconds) / 1e9, direction: direction,
            transport: transport, local: local, remote: remote,
            summary: summary, cseq: (try? m.cseq)?.description, callID: try? m.callID,
            message: includeCredentials ? m.text : SIPCredentialMask.mask(m.text))
        guard let data = try? JSONEncoder().encode(line) else { return }
        append(TerminalText.escapingRawControls(inJSON: String(decoding: data, as: UTF8.self)) + "\n")
    }

    /// Writes one line, rotating first when it would take the file past ``maximumBytes``. A write to
    /// a local file takes microseconds (page cache); the lock only orders lines from the transport's
    /// event loop and a closing thread. A failed write is dropped: a trace must not stop a call.
    private func append(_ text: String) {
        var bytes = Array(text.utf8)
        state.withLock { state in
            guard state.descriptor >= 0 else { return }
            if state.written > 0, state.written + bytes.count > maximumBytes {
                rotate(&state)
                guard state.descriptor >= 0 else { return }
            }
            state.written += Self.writeAll(state.descriptor, &bytes)
        }
    }

    /// FILE becomes FILE.1 (the older FILE.1 goes), and FILE starts again empty, mode 0600.
    private func rotate(_ state: inout State) {
        Glibc.close(state.descriptor)
        state.descriptor = -1
        state.written = 0
        _ = rename(path, path + ".1")
        state.descriptor = (try? Self.open(path)) ?? -1
    }

    static func writeAll(_ descriptor: Int32, _ bytes: inout [UInt8]) -> Int {
        var done = 0
        bytes.withUnsafeBytes { buffer in
            while done < buffer.count {
                let n = Glibc.write(descriptor, buffer.baseAddress! + done, buffer.count - done)
                if n > 0 {
                    done += n
                } else if n < 0, errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
        return done
    }

    /// Closes the file (also done when the trace is released).
    public func close() {
        state.withLock { state in
            if state.descriptor >= 0 { Glibc.close(state.descriptor) }
            state.descriptor = -1
        }
    }
}

/// Masks the credentials in a SIP message's text (RFC 3261 §22.2, §22.3; RFC 7616 §3.4): the value of
/// every `Authorization` and `Proxy-Authorization` header line keeps its scheme and its `username`
/// and `realm` parameters; the rest becomes `<masked>`. Lines folded onto it (RFC 3261 §7.3.1) go too.
/// SDES keys in an SDP body (`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:<key>`, RFC 4568) keep
/// their tag and suite; each inline key becomes `<masked>`.
package enum SIPCredentialMask {
    package static let masked = "<masked>"

    package static func mask(_ text: String) -> String {
        let masked = maskHeaders(text)
        guard masked.contains("a=crypto:") else { return masked }
        return masked.split(separator: "\r\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix("a=crypto:") ? maskCryptoLine(String(line)) : String(line)
        }.joined(separator: "\r\n")
    }

    /// `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:KEY|2^31` → `… inline:<masked>|2^31`.
    package static func maskCryptoLine(_ line: String) -> String {
        var out = ""
        var rest = Substring(line)
        while let range = rest.range(of: "inline:") {
            out += rest[..<range.upperBound]
            out += masked
            rest = rest[range.upperBound...]
            let end = rest.firstIndex { $0 == "|" || $0 == ";" || $0 == " " } ?? rest.endIndex
            rest = rest[end...]
        }
        return out + rest
    }

    private static func maskHeaders(_ text: String) -> String {
        guard text.range(of: "authorization", options: .caseInsensitive) != nil else { return text }
        var out: [String] = []
        var masking = false
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: false) {
            if masking, let first = line.first, first == " " || first == "\t" { continue }
            masking = false
            if let colon = line.firstIndex(of: ":") {
                let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
                if name == "authorization" || name == "proxy-authorization" {
                    masking = true
                    out.append(String(line[...colon]) + " " + maskValue(String(line[line.index(after: colon)...])))
                    continue
                }
            }
            out.append(String(line))
        }
        return out.joined(separator: "\r\n")
    }

    /// `Digest username="7001", realm="x", response="…"` → `Digest username="7001", realm="x", <masked>`.
    package static func maskValue(_ value: String) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(where: { $0 == " " || $0 == "\t" }) else {
            return trimmed.isEmpty ? masked : trimmed.contains("=") ? masked : trimmed + " " + masked
        }
        let scheme = trimmed[..<space]
        var kept: [String] = []
        for parameter in splitParameters(trimmed[space...]) {
            guard let equals = parameter.firstIndex(of: "=") else { continue }
            let name = parameter[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            if name == "username" || name == "realm" {
                kept.append(parameter.trimmingCharacters(in: .whitespaces))
            }
        }
        return ([String(scheme)] + [(kept + [masked]).joined(separator: ", ")]).joined(separator: " ")
    }

    /// Comma-separated parameters, commas inside quoted strings (with `\"` escapes) kept.
    private static func splitParameters(_ text: Substring) -> [Substring] {
        var parts: [Substring] = []
        var start = text.startIndex
        var quoted = false
        var escaped = false
        var index = text.startIndex
        while index < text.endIndex {
            let c = text[index]
            if escaped {
                escaped = false
            } else if quoted, c == "\\" {
                escaped = true
            } else if c == "\"" {
                quoted.toggle()
            } else if c == ",", !quoted {
                parts.append(text[start..<index])
                start = text.index(after: index)
            }
            index = text.index(after: index)
        }
        parts.append(text[start...])
        return parts
    }
}
