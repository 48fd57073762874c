import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// One element of the document, as much of it as the Genesys layout needs: the local name (any
/// namespace prefix dropped, so files with and without the Genesys namespaces read the same), the
/// attributes, where its start tag begins, and the child elements. Text is not kept: the layout has none.
struct XMLElementNode: Sendable {
    var name: String
    var attributes: [String: String]
    /// 1-based line and column of the `<` that opens the start tag.
    var line: Int
    var column: Int
    var children: [XMLElementNode] = []
}

/// Why the bytes are not a document the loader can walk.
struct XMLReadFailure: Error, Sendable {
    var code: ConfigurationIssue.Code
    var line: Int?
    var column: Int?
    var message: String
}

/// Reads bytes into an ``XMLElementNode`` tree with FoundationXML's `XMLParser`, trusting none of it.
///
/// On Linux `XMLParser.parse()` returns `true` for many malformed documents (libxml2 runs in recover
/// mode and swift-corelibs-foundation does not fail the parse), so the first error is taken from the
/// delegate's `parseErrorOccurred` callback, with the parser's line and column at that moment, and an
/// unclosed element at the end is a failure of its own.
///
/// The parser only ever sees valid UTF-8 without NUL and without a DTD (a config needs none, and
/// entity expansion is the classic way to make a small file huge): FoundationXML force-unwraps the
/// UTF-8 decoding of element names, attribute names and comments, so a stray byte that libxml2's
/// recover mode lets through would trap the process (found by the loader fuzz test).
enum XMLElementTree {
    /// Deeper than the layout ever goes (`SipEndpoint/Container/settings/domain/section/section/setting`)
    /// with room for extra nesting; the parser stops there rather than build an arbitrarily deep tree.
    static let maximumDepth = 32

    static func read(_ data: Data) -> Result<XMLElementNode, XMLReadFailure> {
        let bytes: [UInt8]
        switch DocumentEncoding.utf8Bytes(of: [UInt8](data)) {
        case .success(let utf8): bytes = utf8
        case .failure(let failure): return .failure(failure)
        }
        let lines = LineTable(bytes)
        if let failure = checkBytes(bytes, lines: lines) { return .failure(failure) }

        let parser = XMLParser(data: Data(bytes))
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        let builder = TreeBuilder(lines: lines)
        parser.delegate = builder
        let parsed = parser.parse()
        parser.delegate = nil

        if let failure = builder.failure { return .failure(failure) }
        if let open = builder.stack.last {
            return .failure(
                XMLReadFailure(
                    code: .malformedXML, line: lines.lastLine, column: nil,
                    message:
                        "the document ends before <\(open.name)> (line \(open.line)) is closed; is the file truncated?")
            )
        }
        guard let root = builder.root else {
            return .failure(
                XMLReadFailure(
                    code: .malformedXML, line: 1, column: 1, message: "the document is empty: it has no element"))
        }
        if !parsed {
            let code = (parser.parserError as NSError?)?.code ?? 0
            return .failure(
                XMLReadFailure(
                    code: .malformedXML, line: parser.lineNumber, column: parser.columnNumber,
                    message: XMLErrorText.message(forParserCode: code, openElement: nil)))
        }
        return .success(root)
    }

    /// Checks on the UTF-8 bytes the parser will see.
    private static func checkBytes(_ bytes: [UInt8], lines: LineTable) -> XMLReadFailure? {
        if let nul = bytes.firstIndex(of: 0) {
            let (line, column) = lines.position(ofByte: nul)
            return XMLReadFailure(
                code: .invalidEncoding, line: line, column: column,
                message: "NUL byte: the file is not text in UTF-8 (UTF-16 or binary?)")
        }
        if let doctype = find(Array("<!DOCTYPE".utf8), in: bytes) {
            let (line, column) = lines.position(ofByte: doctype)
            return XMLReadFailure(
                code: .malformedXML, line: line, column: column,
                message: "a DOCTYPE is not accepted in SipEndpoint.config (no DTD or entity declarations); remove it")
        }
        return nil
    }

    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var offset = 0
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var i = 0
        while i <= haystack.count - needle.count {
            if haystack[i] == first, haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}

/// Line starts of the raw bytes, to turn libxml2's positions (the end of a start tag) into the line
/// and column where the tag begins, and byte offsets into positions.
struct LineTable: Sendable {
    let bytes: [UInt8]
    /// Byte offset of the first byte of each line; line N (1-based) starts at `starts[N - 1]`.
    let starts: [Int]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
        self.starts = starts
    }

    var lastLine: Int { starts.count }

    /// 1-based line and column (in characters, as libxml2 counts them) of a byte offset.
    func position(ofByte offset: Int) -> (line: Int, column: Int) {
        var low = 0, high = starts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if starts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        let column = bytes[starts[low]..<min(offset, bytes.count)].reduce(1) { $0 + (($1 & 0xC0) == 0x80 ? 0 : 1) }
        return (low + 1, column)
    }

    /// Where the start tag containing libxml2's reported position begins. A raw `<` cannot occur
    /// inside a tag (not even in an attribute value), so the nearest `<` at or before it is the tag's.
    /// Falls back to the reported position when the bytes do not allow the walk back.
    func startOfTag(reportedLine line: Int, column: Int) -> (line: Int, column: Int) {
        guard line >= 1, line <= starts.count, column >= 1 else { return (max(line, 1), max(column, 1)) }
        var offset = starts[line - 1]
        let end = line < starts.count ? starts[line] : bytes.count
        var characters = 1
        while characters < column, offset < end {
            offset += 1
            if offset < end, (bytes[offset] & 0xC0) != 0x80 { characters += 1 }
        }
        var i = min(offset, bytes.count - 1)
        while i >= 0 {
            if bytes[i] == UInt8(ascii: "<") { return position(ofByte: i) }
            i -= 1
        }
        return (line, column)
    }
}

/// The `XMLParser` delegate: builds the tree, keeps the first error, and stops caring after it.
private final class TreeBuilder: NSObject, XMLParserDelegate {
    let lines: LineTable
    var stack: [XMLElementNode] = []
    var root: XMLElementNode?
    var failure: XMLReadFailure?

    init(lines: LineTable) { self.lines = lines }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        guard failure == nil else { return }
        let (line, column) = lines.startOfTag(reportedLine: parser.lineNumber, column: parser.columnNumber)
        if stack.count >= XMLElementTree.maximumDepth {
            failure = XMLReadFailure(
                code: .malformedXML, line: line, column: column,
                message: "elements nest deeper than \(XMLElementTree.maximumDepth) levels")
            parser.abortParsing()
            return
        }
        var localAttributes: [String: String] = [:]
        for (name, value) in attributes where name != "xmlns" && !name.hasPrefix("xmlns:") {
            localAttributes[Self.localName(name)] = value
        }
        stack.append(
            XMLElementNode(name: Self.localName(elementName), attributes: localAttributes, line: line, column: column))
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        guard failure == nil, let node = stack.popLast() else { return }
        if stack.isEmpty {
            root = node
        } else {
            stack[stack.count - 1].children.append(node)
        }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        guard failure == nil else { return }
        failure = XMLReadFailure(
            code: .malformedXML, line: parser.lineNumber, column: parser.columnNumber,
            message: XMLErrorText.message(forParserCode: (parseError as NSError).code, openElement: stack.last))
    }

    func parser(_ parser: XMLParser, validationErrorOccurred validationError: any Error) {
        self.parser(parser, parseErrorOccurred: validationError)
    }

    /// `g:SipEndpoint` and `SipEndpoint` are the same element here.
    static func localName(_ qualified: String) -> String {
        guard let colon = qualified.lastIndex(of: ":") else { return qualified }
        return String(qualified[qualified.index(after: colon)...])
    }
}
