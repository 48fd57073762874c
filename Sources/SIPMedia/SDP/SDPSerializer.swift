import NIOCore

extension SessionDescription {
    /// The description as RFC 4566 §5 writes it: fields in their fixed order, CRLF after every line.
    /// Kept lines go back to the slot their type letter has in that order.
    package var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The description as a SIP body.
    package var byteBuffer: ByteBuffer { ByteBuffer(bytes: bytes) }

    /// ``text``'s bytes, written straight into one array: every call's offer is printed on the event
    /// loop, and building it from interpolated `String`s cost as much as parsing the answer.
    private var bytes: [UInt8] {
        var out = SDPWriter()
        out.line("v") { $0.append("0") }
        out.line("o") {
            $0.append(origin.username, " ")
            $0.append(origin.sessionID)
            $0.append(" ")
            $0.append(origin.sessionVersion)
            $0.append(" ")
            $0.append(origin.address)
        }
        out.line("s") { $0.append(sessionName) }
        for field in otherFields where Self.comesBeforeConnection(field.type) { out.line(field) }
        if let connection { out.line("c") { $0.append(connection) } }
        for field in otherFields where field.type == "b" { out.line(field) }
        for t in timing {
            out.line("t") {
                $0.append(t.start)
                $0.append(" ")
                $0.append(t.stop)
            }
            for r in t.repeats { out.line("r") { $0.append(r) } }
        }
        for field in otherFields where !Self.comesBeforeConnection(field.type) && field.type != "b" { out.line(field) }
        for attribute in attributes { out.line(attribute) }
        for stream in media {
            out.line("m") {
                $0.append(stream.media, " ")
                $0.append(UInt64(clamping: stream.port))
                if let count = stream.portCount {
                    $0.append("/")
                    $0.append(UInt64(clamping: count))
                }
                $0.append(" ", stream.proto)
                for format in stream.formats { $0.append(" ", format) }
            }
            for field in stream.otherFields where field.type == "i" { out.line(field) }
            if let connection = stream.connection { out.line("c") { $0.append(connection) } }
            for field in stream.otherFields where field.type != "i" { out.line(field) }
            for attribute in stream.attributes { out.line(attribute) }
        }
        return out.bytes
    }

    /// RFC 4566 §5: `i=`, `u=`, `e=`, `p=` come between `s=` and `c=`.
    private static func comesBeforeConnection(_ type: Character) -> Bool {
        type == "i" || type == "u" || type == "e" || type == "p"
    }
}

/// Lines of a description written as bytes.
private struct SDPWriter {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(320) }

    /// `<type>=<what body writes>CRLF`.
    mutating func line(_ type: Unicode.Scalar, _ body: (inout SDPWriter) -> Void) {
        bytes.append(UInt8(ascii: type))
        bytes.append(UInt8(ascii: "="))
        body(&self)
        bytes.append(UInt8(ascii: "\r"))
        bytes.append(UInt8(ascii: "\n"))
    }

    mutating func line(_ field: SDPField) {
        append(String(field.type))
        bytes.append(UInt8(ascii: "="))
        append(field.value)
        bytes.append(UInt8(ascii: "\r"))
        bytes.append(UInt8(ascii: "\n"))
    }

    mutating func line(_ attribute: SDPAttribute) {
        line("a") {
            $0.append(attribute.name)
            if let value = attribute.value { $0.append(":", value) }
        }
    }

    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ first: String, _ second: String) {
        append(first)
        append(second)
    }

    /// `<nettype> <addrtype> <address>`, the value of `c=` and the tail of `o=`.
    mutating func append(_ connection: SDPConnection) {
        append(connection.networkType, " ")
        append(connection.addressType, " ")
        append(connection.address)
    }

    /// A number in decimal, without a `String` of it.
    mutating func append(_ number: UInt64) {
        var width = 1
        var rest = number / 10
        while rest > 0 {
            width += 1
            rest /= 10
        }
        bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width))
        var value = number
        var at = bytes.count - 1
        repeat {
            bytes[at] = UInt8(ascii: "0") + UInt8(value % 10)
            value /= 10
            at -= 1
        } while value > 0
    }
}
