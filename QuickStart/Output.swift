import Foundation
import SipEndpoint

/// What QuickStart prints: human lines, or with `--json` one JSON object per line, written and flushed
/// the moment the event happens so scripts can read the stream while the command runs. The field names
/// and status words are a stable interface (README, "JSON events").
///
/// Text from the network (display names, URIs, reason phrases, anything an error quotes) is printed
/// without control characters or escape sequences (``TerminalText``): each such field is cleaned
/// where a line is composed, and every text line again (keeping only its own line breaks). JSON lines
/// carry them escaped (``JSONLine``).
final class Output: Sendable {
    let json: Bool

    init(json: Bool) {
        self.json = json
    }

    func emit(text: String, json line: @autoclosure () -> JSONLine) {
        write(json ? line().text : text)
    }

    /// A line for people only (nothing in `--json` mode).
    func say(_ text: String) {
        if !json { write(text) }
    }

    func error(_ text: String) {
        FileHandle.standardError.write(Data((TerminalText.clean(text, keepingNewlines: true) + "\n").utf8))
    }

    private func write(_ line: String) {
        let safe = json ? line : TerminalText.clean(line, keepingNewlines: true)
        FileHandle.standardOutput.write(Data((safe + "\n").utf8))
    }

    /// A field that may have come from the network, for a text line: no control characters, no
    /// escape sequences, no line breaks.
    static func clean(_ value: some CustomStringConvertible) -> String {
        TerminalText.clean(value.description)
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// `{"event":"eventsDropped","stream","count"}`: the reader of `stream` (`connections`, `phone`,
    /// `session`) fell behind and `count` events were lost at this point of its stream.
    func eventsDropped(stream: String, count: Int) {
        emit(
            text: "\(Self.timestamp(Date()))  \(count) \(stream) events lost: this reader fell behind",
            json: {
                var j = JSONLine(event: "eventsDropped")
                j.add("stream", stream)
                j.add("count", count)
                return j
            }())
    }

    /// A connection status change, or `eventsDropped` with stream `connections`.
    func connectionEvent(_ event: ConnectionEvent) {
        switch event {
        case .statusChanged(let e): connectionEvent(e)
        case .dropped(let count): eventsDropped(stream: "connections", count: count)
        }
    }

    /// A phone status change, or `eventsDropped` with stream `phone`.
    func phoneEvent(_ event: PhoneEvent) {
        switch event {
        case .statusChanged(let e): phoneEvent(e)
        case .dropped(let count): eventsDropped(stream: "phone", count: count)
        }
    }

    /// `{"event":"connectionStatusChanged","time","connectionId","user","server","target","transport",
    /// "previousStatus","status","reason","code","nextRetry","heldDownUntil"}`.
    func connectionEvent(_ e: ConnectionStatusChanged) {
        let retry =
            e.nextRetry.map { " (next retry \(Self.timestamp($0)))" }
            ?? e.heldDownUntil.map { " (held down until \(Self.timestamp($0)))" } ?? ""
        emit(
            text:
                "\(Self.timestamp(e.time))  connection \(e.connectionId) \(Self.clean(e.user))@\(Self.clean(e.server)) \(e.transport.rawValue): "
                + "\(e.previousStatus.rawValue) → \(e.status.rawValue)  \(Self.clean(e.reason))\(retry)",
            json: {
                var j = JSONLine(event: "connectionStatusChanged")
                j.add("time", Self.timestamp(e.time))
                j.add("connectionId", e.connectionId)
                j.add("user", e.user)
                j.add("server", e.server)
                j.add("target", e.target)
                j.add("transport", e.transport.rawValue)
                j.add("previousStatus", e.previousStatus.rawValue)
                j.add("status", e.status.rawValue)
                j.add("reason", e.reason.text)
                j.add("code", e.reason.statusCode)
                j.add("nextRetry", e.nextRetry.map(Self.timestamp))
                j.add("heldDownUntil", e.heldDownUntil.map(Self.timestamp))
                return j
            }())
    }

    /// `{"event":"phoneStatusChanged","time","previousStatus","status"}`.
    func phoneEvent(_ e: PhoneStatusChanged) {
        emit(
            text: "\(Self.timestamp(e.time))  phone \(e.previousStatus.rawValue) → \(e.status.rawValue)",
            json: {
                var j = JSONLine(event: "phoneStatusChanged")
                j.add("time", Self.timestamp(e.time))
                j.add("previousStatus", e.previousStatus.rawValue)
                j.add("status", e.status.rawValue)
                return j
            }())
    }

    /// `{"event":"connection","connectionId","user","server","transport","status","reason","target"}`.
    func connection(_ c: Connection) {
        emit(
            text:
                "connection \(c.id) \(Self.clean(c.user))@\(Self.clean(c.server)) \(c.transport.rawValue): \(c.status.rawValue) (\(Self.clean(c.reason)))"
                + (c.target.map { " via \(Self.clean($0))" } ?? ""),
            json: {
                var j = JSONLine(event: "connection")
                j.add("connectionId", c.id)
                j.add("user", c.user)
                j.add("server", c.server.description)
                j.add("transport", c.transport.rawValue)
                j.add("status", c.status.rawValue)
                j.add("reason", c.reason.text)
                j.add("target", c.target)
                return j
            }())
    }

    /// `{"event":"sessionStatusChanged",…}`, `{"event":"failedOver",…}`, `{"event":"dtmfReceived",…}`,
    /// `{"event":"sessionSignalingLost",…}`, and
    /// `eventsDropped` with stream `session`.
    func sessionEvent(_ event: SessionEvent) {
        switch event {
        case .dropped(let count):
            eventsDropped(stream: "session", count: count)
        case .statusChanged(let e):
            emit(
                text:
                    "\(Self.timestamp(e.time))  session \(e.sessionId.prefix(8)) on connection \(e.connectionId): \(e.previousStatus.rawValue) → \(e.status.rawValue)  \(Self.clean(e.reason))",
                json: {
                    var j = JSONLine(event: "sessionStatusChanged")
                    j.add("time", Self.timestamp(e.time))
                    j.add("sessionId", e.sessionId)
                    j.add("connectionId", e.connectionId)
                    j.add("user", e.user)
                    j.add("previousStatus", e.previousStatus.rawValue)
                    j.add("status", e.status.rawValue)
                    j.add("reason", e.reason.text)
                    j.add("code", e.reason.statusCode)
                    return j
                }())
        case .failedOver(let e):
            emit(
                text:
                    "\(Self.timestamp(e.time))  session \(e.sessionId.prefix(8)) failed over: connection \(e.fromConnectionId) → \(e.toConnectionId) (\(Self.clean(e.cause)))",
                json: {
                    var j = JSONLine(event: "failedOver")
                    j.add("time", Self.timestamp(e.time))
                    j.add("sessionId", e.sessionId)
                    j.add("user", e.user)
                    j.add("fromConnectionId", e.fromConnectionId)
                    j.add("toConnectionId", e.toConnectionId)
                    j.add("cause", e.cause)
                    return j
                }())
        case .signalingLost(let e):
            emit(
                text:
                    "\(Self.timestamp(e.time))  session \(e.sessionId.prefix(8)) lost its signalling: connection \(e.connectionId) failed (\(Self.clean(e.reason))); the call stays up while media flows",
                json: {
                    var j = JSONLine(event: "sessionSignalingLost")
                    j.add("time", Self.timestamp(e.time))
                    j.add("sessionId", e.sessionId)
                    j.add("connectionId", e.connectionId)
                    j.add("user", e.user)
                    j.add("reason", e.reason)
                    return j
                }())
        case .dtmfReceived(let e):
            emit(
                text:
                    "\(Self.timestamp(e.time))  session \(e.sessionId.prefix(8)) received DTMF \(Self.clean(String(e.digit))) (\(e.method.rawValue))",
                json: {
                    var j = JSONLine(event: "dtmfReceived")
                    j.add("time", Self.timestamp(e.time))
                    j.add("sessionId", e.sessionId)
                    j.add("digit", String(e.digit))
                    j.add("method", e.method.rawValue)
                    return j
                }())
        }
    }

    /// `{"event":"mediaStatistics","sessionId","codec","packetsSent","octetsSent","packetsReceived",
    /// "octetsReceived","packetsLost","lossRatio","jitterMilliseconds","roundTripTimeMilliseconds",
    /// "meanOpinionScore","latePackets","duplicatePackets","reorderedPackets","concealedFrames",
    /// "discardedPackets","rejectedSourcePackets","dtmfSent","dtmfReceived","remoteAddress"}`: a call's
    /// media figures, printed when it ends.
    func mediaStatistics(sessionId: String, _ m: MediaStatistics) {
        emit(
            text: "session \(sessionId.prefix(8)) media: " + Self.describe(m),
            json: {
                var j = JSONLine(event: "mediaStatistics")
                j.add("sessionId", sessionId)
                j.add("codec", m.codec)
                j.add("packetsSent", m.packetsSent)
                j.add("octetsSent", m.octetsSent)
                j.add("packetsReceived", m.packetsReceived)
                j.add("octetsReceived", m.octetsReceived)
                j.add("packetsLost", m.packetsLost)
                j.add("lossRatio", m.lossRatio)
                j.add("jitterMilliseconds", m.jitterMilliseconds)
                j.add("roundTripTimeMilliseconds", m.roundTripTimeMilliseconds)
                j.add("meanOpinionScore", m.meanOpinionScore)
                j.add("latePackets", m.latePackets)
                j.add("duplicatePackets", m.duplicatePackets)
                j.add("reorderedPackets", m.reorderedPackets)
                j.add("concealedFrames", m.concealedFrames)
                j.add("discardedPackets", m.discardedPackets)
                j.add("rejectedSourcePackets", m.rejectedSourcePackets)
                j.add("dtmfSent", m.dtmfSent)
                j.add("dtmfReceived", m.dtmfReceived)
                j.add("remoteAddress", m.remoteAddress)
                return j
            }())
    }

    /// One line a person reads: what went, what came back, how good it was.
    static func describe(_ m: MediaStatistics) -> String {
        var text =
            "\(m.codec), sent \(m.packetsSent) packets, received \(m.packetsReceived), lost \(m.packetsLost) ("
            + String(format: "%.1f %%", m.lossRatio * 100) + "), jitter "
            + String(format: "%.1f ms", m.jitterMilliseconds)
            + ", MOS " + String(format: "%.2f", m.meanOpinionScore)
        if let rtt = m.roundTripTimeMilliseconds { text += ", round trip " + String(format: "%.1f ms", rtt) }
        return text
    }

    /// `{"event":"result","command","ok","detail"}`: the last line of every command.
    func result(command: String, ok: Bool, detail: String) {
        emit(
            text: (ok ? "OK: " : "FAILED: ") + detail,
            json: {
                var j = JSONLine(event: "result")
                j.add("command", command)
                j.add("ok", ok)
                j.add("detail", detail)
                return j
            }())
    }
}
