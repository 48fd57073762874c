import NIOCore

extension SessionDescription {
    /// The description as RFC 4566 §5 writes it: fields in their fixed order, CRLF after every line.
    /// Kept lines go back to the slot their type letter has in that order.
    package var text: String {
        var out = ""
        out.reserveCapacity(256)
        func line(_ type: String, _ value: String) {
            out += type
            out += "="
            out += value
            out += "\r\n"
        }
        line("v", "0")
        line("o", "\(origin.username) \(origin.sessionID) \(origin.sessionVersion) \(origin.address.fieldValue)")
        line("s", sessionName)
        for field in otherFields where Self.sessionBeforeConnection.contains(field.type) {
            line(String(field.type), field.value)
        }
        if let connection { line("c", connection.fieldValue) }
        for field in otherFields where field.type == "b" { line("b", field.value) }
        for t in timing {
            line("t", "\(t.start) \(t.stop)")
            for r in t.repeats { line("r", r) }
        }
        for field in otherFields where !Self.sessionBeforeConnection.contains(field.type) && field.type != "b" {
            line(String(field.type), field.value)
        }
        for attribute in attributes { line("a", attribute.fieldValue) }
        for stream in media {
            var m = "\(stream.media) \(stream.port)"
            if let count = stream.portCount { m += "/\(count)" }
            m += " \(stream.proto)"
            for format in stream.formats { m += " \(format)" }
            line("m", m)
            for field in stream.otherFields where field.type == "i" { line("i", field.value) }
            if let connection = stream.connection { line("c", connection.fieldValue) }
            for field in stream.otherFields where field.type != "i" { line(String(field.type), field.value) }
            for attribute in stream.attributes { line("a", attribute.fieldValue) }
        }
        return out
    }

    /// The description as a SIP body.
    package var byteBuffer: ByteBuffer { ByteBuffer(string: text) }

    /// RFC 4566 §5: `i=`, `u=`, `e=`, `p=` come between `s=` and `c=`.
    private static let sessionBeforeConnection: Set<Character> = ["i", "u", "e", "p"]
}
