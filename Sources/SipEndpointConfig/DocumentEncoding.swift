import Foundation

/// Turns the file's bytes into the UTF-8 the XML parser is given: the encoding comes from the XML
/// declaration (UTF-8 when there is none), is one of UTF-8, US-ASCII, ISO-8859-1 and Windows-1252,
/// and the declaration is rewritten to say UTF-8. Any other encoding, a UTF-16/32 byte-order mark, or
/// a byte that is not in the declared encoding is an error at that byte's line and column.
///
/// Why not leave it to libxml2: in recover mode it passes bytes it could not decode on to
/// FoundationXML, which traps on them (see ``XMLElementTree``).
enum DocumentEncoding {
    static func utf8Bytes(of input: [UInt8]) -> Result<[UInt8], XMLReadFailure> {
        if input.starts(with: [0xFE, 0xFF]) || input.starts(with: [0xFF, 0xFE])
            || input.starts(with: [0, 0, 0xFE, 0xFF])
        {
            return .failure(
                XMLReadFailure(
                    code: .invalidEncoding, line: 1, column: 1,
                    message: "the file is UTF-16 or UTF-32; save it as UTF-8"))
        }
        var bytes = input.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(input.dropFirst(3)) : input

        let declared: Declared
        switch declaredEncoding(bytes) {
        case .success(let value): declared = value
        case .failure(let failure): return .failure(failure)
        }
        let name = declared.name?.lowercased()
        switch name {
        case nil, "utf-8", "utf8":
            break
        case "us-ascii", "ascii":
            if let bad = bytes.firstIndex(where: { $0 >= 0x80 }) {
                return .failure(notInEncoding(bytes, at: bad, encoding: "US-ASCII"))
            }
        case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1":
            // Each ISO-8859-1 byte is the code point of the same value.
            bytes = bytes.flatMap { $0 < 0x80 ? [$0] : [0xC0 | ($0 >> 6), 0x80 | ($0 & 0x3F)] }
        case "windows-1252", "cp1252":
            guard let text = String(bytes: bytes, encoding: .windowsCP1252) else {
                return .failure(
                    XMLReadFailure(
                        code: .invalidEncoding, line: nil, column: nil, message: "the file is not valid Windows-1252"))
            }
            bytes = Array(text.utf8)
        case .some:
            let other = declared.name ?? ""
            return .failure(
                XMLReadFailure(
                    code: .invalidEncoding, line: 1, column: nil,
                    message:
                        "encoding \"\(other)\" is not supported; save the file as UTF-8 (or ISO-8859-1, Windows-1252, US-ASCII)"
                ))
        }
        if name != nil, let range = declared.range {
            // The bytes are UTF-8 now; say so, or libxml2 would decode them a second time. Before the
            // name range only ASCII precedes (the declaration), so its offsets survived the transcoding.
            bytes.replaceSubrange(range, with: Array("UTF-8".utf8))
        }
        if let bad = XMLElementTree.firstInvalidUTF8(bytes) {
            return .failure(notInEncoding(bytes, at: bad, encoding: "UTF-8"))
        }
        return .success(bytes)
    }

    private static func notInEncoding(_ bytes: [UInt8], at offset: Int, encoding: String) -> XMLReadFailure {
        let (line, column) = LineTable(bytes).position(ofByte: offset)
        return XMLReadFailure(
            code: .invalidEncoding, line: line, column: column,
            message: String(
                format:
                    "byte 0x%02X is not %@; save the file as UTF-8 or declare its encoding in <?xml … encoding=\"…\"?>",
                bytes[offset], encoding))
    }

    struct Declared {
        /// The encoding name as written, nil when the document has no declaration or no encoding in it.
        var name: String?
        /// Where the name sits in the bytes.
        var range: Range<Int>?
    }

    /// Reads `encoding="…"` from `<?xml …?>` at the very start. A declaration that mentions an
    /// encoding this cannot read is an error rather than a guess.
    static func declaredEncoding(_ bytes: [UInt8]) -> Result<Declared, XMLReadFailure> {
        guard bytes.starts(with: Array("<?xml".utf8)) else { return .success(Declared()) }
        let limit = min(bytes.count, 256)
        var end = 5
        while end + 1 < limit, !(bytes[end] == UInt8(ascii: "?") && bytes[end + 1] == UInt8(ascii: ">")) { end += 1 }
        let declaration = Array(bytes[0..<end])
        let keyword = Array("encoding".utf8)
        guard
            let at = (0...(max(0, declaration.count - keyword.count))).first(where: {
                declaration.count >= keyword.count && declaration[$0..<($0 + keyword.count)].elementsEqual(keyword)
            })
        else { return .success(Declared()) }
        var i = at + keyword.count
        func skipSpaces() {
            while i < declaration.count,
                declaration[i] == 0x20 || declaration[i] == 0x09 || declaration[i] == 0x0A || declaration[i] == 0x0D
            { i += 1 }
        }
        skipSpaces()
        let malformed = XMLReadFailure(
            code: .malformedXML, line: 1, column: nil,
            message: "malformed encoding in the XML declaration; write encoding=\"UTF-8\"")
        guard i < declaration.count, declaration[i] == UInt8(ascii: "=") else { return .failure(malformed) }
        i += 1
        skipSpaces()
        guard i < declaration.count, declaration[i] == UInt8(ascii: "\"") || declaration[i] == UInt8(ascii: "'") else {
            return .failure(malformed)
        }
        guard declaration[0..<i].allSatisfy({ $0 < 0x80 }) else { return .failure(malformed) }
        let quote = declaration[i]
        let start = i + 1
        guard let close = declaration[start...].firstIndex(of: quote), close > start,
            declaration[start..<close].allSatisfy({
                $0 < 0x80
                    && ($0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
                        || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0))
            })
        else { return .failure(malformed) }
        return .success(
            Declared(name: String(decoding: declaration[start..<close], as: UTF8.self), range: start..<close))
    }
}
