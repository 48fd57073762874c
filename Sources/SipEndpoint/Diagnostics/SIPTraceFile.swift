import Foundation
import NIOCore
import SIPCore
import SIPTransport
import Synchronization

/// Writes every SIP message a phone sends and receives to a file, one JSON object per line, for
/// QuickStart's `--trace` and `ladder`. Fields: `time` (ISO 8601), `elapsed` (seconds since the trace
/// began), `direction` (`sent`/`received`), `transport`, `local`, `remote` (`address:port`),
/// `summary` (`INVITE`, `180 Ringing`, …), `cseq`, `callID`, `message` (the whole message).
public final class SIPTraceFile: Sendable {
    public let path: String
    private let handle: FileHandle
    private let start = NIODeadline.now()
    private let lock = Mutex(())

    /// Creates (or truncates) the file.
    public init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw SipEndpointError(.invalidConfiguration, "cannot write the trace file \(path)")
        }
        self.path = path
        self.handle = handle
    }

    struct Line: Codable {
        var time: String
        var elapsed: Double
        var direction: String
        var transport: String
        var local: String
        var remote: String
        var summary: String
        var cseq: String?
        var callID: String?
        var message: String
    }

    func write(_ record: SIPTraceRecord) {
        let m = record.message
        let summary: String
        switch m.startLine {
        case .request(let method, _): summary = method.rawValue
        case .response(let code, let reason): summary = "\(code) \(reason)"
        }
        let wall = Date().addingTimeInterval(-Double((NIODeadline.now() - record.time).nanoseconds) / 1e9)
        let line = Line(
            time: wall.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)),
            elapsed: Double((record.time - start).nanoseconds) / 1e9, direction: record.direction.rawValue,
            transport: record.transport.viaToken.lowercased(), local: record.local, remote: record.remote,
            summary: summary, cseq: (try? m.cseq)?.description, callID: try? m.callID, message: m.text)
        guard var data = try? JSONEncoder().encode(line) else { return }
        data.append(UInt8(ascii: "\n"))
        lock.withLock { _ in handle.write(data) }
    }

    /// Closes the file (also done when the trace is released).
    public func close() {
        lock.withLock { _ in try? handle.close() }
    }
}
