import SIPCore

/// One DTMF digit in an INFO body of type `application/dtmf-relay` (the de facto format of
/// Cisco and most PBXs; there is no RFC): `Signal=5\r\nDuration=160\r\n`.
package struct DTMFRelay: Hashable, Sendable {
    /// 0–9, *, #, A–D.
    package var signal: Character
    /// How long the tone lasts, in milliseconds.
    package var durationMilliseconds: Int

    package static let signals: Set<Character> = Set("0123456789*#ABCD")

    /// Nil for a signal that is not a DTMF key or a duration outside 1…60 000 ms.
    package init?(signal: Character, durationMilliseconds: Int = 160) {
        let upper = Character(signal.uppercased())
        guard Self.signals.contains(upper), (1...60_000).contains(durationMilliseconds) else { return nil }
        self.signal = upper
        self.durationMilliseconds = durationMilliseconds
    }

    /// Reads a received body; nil unless it has a valid Signal line. Duration defaults to 160.
    package init?(body: SessionBody) {
        guard body.contentType.matches(.dtmfRelay) else { return nil }
        var signal: Character?
        var duration = 160
        for line in body.text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmedSpaces }
            guard parts.count == 2 else { continue }
            switch parts[0].lowercased() {
            case "signal": signal = parts[1].count == 1 ? parts[1].first : nil
            case "duration": duration = Int(parts[1]) ?? duration
            default: break
            }
        }
        guard let signal else { return nil }
        self.init(signal: signal, durationMilliseconds: duration)
    }

    /// The INFO body.
    package var body: SessionBody {
        SessionBody(contentType: .dtmfRelay, text: "Signal=\(signal)\r\nDuration=\(durationMilliseconds)\r\n")
    }
}
