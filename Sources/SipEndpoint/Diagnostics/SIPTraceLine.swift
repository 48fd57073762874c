import Foundation

/// One line of a trace file (``SIPTraceFile``): a JSON object per SIP message sent or received. The
/// writer makes these and `QuickStart ladder` reads them back, so the format has one definition.
public struct SIPTraceLine: Codable, Sendable, Hashable {
    /// Wall-clock time of the message, ISO 8601 UTC with milliseconds.
    public var time: String
    /// Seconds since the trace file was opened.
    public var elapsed: Double
    /// `sent` or `received`.
    public var direction: String
    /// `udp`, `tcp` or `tls`.
    public var transport: String
    /// `address:port` of our socket.
    public var local: String
    /// `address:port` of the other side.
    public var remote: String
    /// The request's method, or the response's code and reason phrase.
    public var summary: String
    /// The CSeq header's value, when the message has a valid one.
    public var cseq: String?
    /// The Call-ID, when the message has one.
    public var callID: String?
    /// The whole message; `Authorization` values masked unless credentials tracing is on.
    public var message: String

    /// Makes a line; each parameter sets the property of the same name.
    public init(
        time: String, elapsed: Double, direction: String, transport: String, local: String, remote: String,
        summary: String, cseq: String?, callID: String?, message: String
    ) {
        self.time = time
        self.elapsed = elapsed
        self.direction = direction
        self.transport = transport
        self.local = local
        self.remote = remote
        self.summary = summary
        self.cseq = cseq
        self.callID = callID
        self.message = message
    }

    /// Reads every line of the trace file at `path`. Throws the file's read error, or the decoding
    /// error of the first line that is not a trace line.
    public static func read(_ path: String) throws -> [SIPTraceLine] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let decoder = JSONDecoder()
        return try text.split(separator: "\n").map { try decoder.decode(SIPTraceLine.self, from: Data($0.utf8)) }
    }
}
