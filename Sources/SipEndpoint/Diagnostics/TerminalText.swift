/// Text from the network made safe to print or log: display names, reason phrases, URIs and header
/// values can carry any character a quoted string or an escape allows, and a terminal obeys what it
/// is sent. `"\u{1B}[2J evil"` as a caller's display name would clear the operator's screen; a
/// newline would forge a line of output or a log record.
///
/// Removed: every C0 control character (U+0000–U+001F), DEL (U+007F) and every C1 control character
/// (U+0080–U+009F), and with ESC (or its C1 forms CSI U+009B, OSC U+009D, DCS U+0090, SOS U+0098, PM
/// U+009E, APC U+009F) the whole sequence it starts (ECMA-48 §5.4: CSI parameters up to the final byte
/// 0x40–0x7E; OSC, DCS, SOS, PM and APC strings up to BEL or ST), so no `[2J` is left behind.
package enum TerminalText {
    /// `text` without control characters or escape sequences. With `keepingNewlines`, LF stays (for a
    /// whole line we composed ourselves, whose network fields were cleaned already).
    package static func clean(_ text: String, keepingNewlines: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0) }) else { return text }
        var out = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let p = pending {
                pending = nil
                return p
            }
            return scalars.next()
        }
        while let s = next() {
            switch s.value {
            case 0x0A where keepingNewlines:
                out.append(s)
            case 0x1B:
                guard let introducer = scalars.next() else { break }
                switch introducer {
                case "[": skipControlSequence(&scalars, pending: &pending)
                case "]", "P", "X", "^", "_": skipControlString(&scalars, pending: &pending)
                default:
                    // A two-character escape (ESC 7, ESC c …): its second character goes too, unless it
                    // is itself a control character, which the loop then handles.
                    if isControl(introducer) { pending = introducer }
                }
            case 0x9B:
                skipControlSequence(&scalars, pending: &pending)
            case 0x90, 0x98, 0x9D, 0x9E, 0x9F:
                skipControlString(&scalars, pending: &pending)
            default:
                if !isControl(s) { out.append(s) }
            }
        }
        return String(out)
    }

    /// C0, DEL or C1.
    package static func isControl(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || (0x7F...0x9F).contains(s.value)
    }

    /// After CSI: parameter and intermediate bytes (0x20–0x3F) up to a final byte (0x40–0x7E). A
    /// control character ends it early and is handled by the caller (so ESC cannot hide a newline).
    private static func skipControlSequence(
        _ scalars: inout String.UnicodeScalarView.Iterator, pending: inout Unicode.Scalar?
    ) {
        while let s = scalars.next() {
            if (0x40...0x7E).contains(s.value) { return }
            if (0x20...0x3F).contains(s.value) { continue }
            if isControl(s) { pending = s }
            return
        }
    }

    /// After OSC, DCS, SOS, PM or APC: everything up to BEL, ST (ESC \ or U+009C), or the end.
    private static func skipControlString(
        _ scalars: inout String.UnicodeScalarView.Iterator, pending: inout Unicode.Scalar?
    ) {
        while let s = scalars.next() {
            switch s.value {
            case 0x07, 0x9C: return
            case 0x1B:
                if let after = scalars.next(), after != "\\" { pending = after }
                return
            case 0x0A, 0x0D:
                // A string never spans lines here: stop, and let the caller drop the line break.
                pending = s
                return
            default: continue
            }
        }
    }

    /// JSON text with DEL and the C1 controls written as `\u007F` … `\u009F`. JSONEncoder escapes
    /// C0 (RFC 8259 §7 requires it) but leaves these raw, and a terminal showing the JSON (`cat` of a
    /// trace, `--json` on a console) would obey a raw CSI. Only string contents can hold them, so the
    /// result is the same JSON value.
    package static func escapingRawControls(inJSON json: String) -> String {
        guard json.unicodeScalars.contains(where: { isControl($0) }) else { return json }
        var out = ""
        out.reserveCapacity(json.utf8.count + 12)
        for s in json.unicodeScalars {
            if isControl(s) {
                let hex = String(s.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(s)
            }
        }
        return out
    }
}
