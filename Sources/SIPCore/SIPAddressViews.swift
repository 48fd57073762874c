// The address headers as views (see SIPHeaderViews.swift): SIPNameAddress's and SIPContact's grammar,
// checks and error texts, giving ranges instead of Strings.

/// A name-addr or addr-spec with header parameters (From, To, Contact, Route, Record-Route, Refer-To,
/// Referred-By; RFC 3261 §20, §25.1) as ranges over its message's bytes.
public struct SIPNameAddressView: Sendable, Hashable {
    /// The addr-spec.
    public let uri: SIPURIView
    /// Header parameters (`tag`, `expires`, `q`, …), values as written.
    public let parameters: SIPParameterList
    let displayNameStorage: SIPByteRange
    /// Whether ``displayName`` is a quoted-string (``SIPMessage/displayName(_:)`` unquotes it).
    public let displayNameIsQuoted: Bool

    /// The display name as written (a quoted one with its quotes); nil when absent.
    public var displayName: SIPByteRange? { displayNameStorage.ifPresent }

    init(displayName: SIPByteRange?, displayNameIsQuoted: Bool, uri: SIPURIView, parameters: SIPParameterList) {
        self.uri = uri
        self.parameters = parameters
        self.displayNameStorage = displayName ?? .absent
        self.displayNameIsQuoted = displayNameIsQuoted
    }

    static func parseList(
        _ bytes: UnsafeRawBufferPointer, base: ViewBase, header: String, maximumURILength: Int,
        _ body: (SIPNameAddressView) -> Void
    ) throws(SIPParseError) {
        var c = ByteCursor(bytes)
        c.skipWhitespace()
        repeat {
            body(try parseOne(&c, base: base, header: header, maximumURILength: maximumURILength))
        } while try c.listContinues(header: header)
    }

    static func parseSingle(
        _ bytes: UnsafeRawBufferPointer, base: ViewBase, header: String, maximumURILength: Int
    ) throws(SIPParseError) -> SIPNameAddressView {
        var c = ByteCursor(bytes)
        c.skipWhitespace()
        let value = try parseOne(&c, base: base, header: header, maximumURILength: maximumURILength)
        c.skipWhitespace()
        guard c.isAtEnd else {
            throw SIPParseError(
                .invalidHeaderValue,
                "\(header): unexpected \(quoteForError(c.remaining, limit: 20)) (only one value is allowed)")
        }
        return value
    }

    static func parseOne(_ c: inout ByteCursor, base: ViewBase, header: String, maximumURILength: Int)
        throws(SIPParseError) -> SIPNameAddressView
    {
        var none = WatchedParameters?.none
        return try parseOne(&c, base: base, header: header, maximumURILength: maximumURILength, watching: &none)
    }

    static func parseOne(
        _ c: inout ByteCursor, base: ViewBase, header: String, maximumURILength: Int,
        watching watched: inout WatchedParameters?
    ) throws(SIPParseError) -> SIPNameAddressView {
        var displayName: SIPByteRange?
        var quoted = false
        if c.peek == .quote {
            let start = c.index
            guard c.quotedString() != nil else {
                throw SIPParseError(.invalidHeaderValue, "\(header): unterminated quoted display name")
            }
            displayName = base.range(start, c.index)
            quoted = true
            c.skipWhitespace()
            guard c.peek == .lessThan else {
                throw SIPParseError(.invalidHeaderValue, "\(header): a quoted display name must be followed by <URI>")
            }
        } else if c.peek != .lessThan {
            let saved = c.index
            var sawToken = false
            while c.token() != nil {
                sawToken = true
                c.skipWhitespace()
            }
            if sawToken, c.peek == .lessThan {
                var end = c.index
                while end > saved, c.bytes[end - 1].isSIPWhitespace { end -= 1 }
                displayName = base.range(saved, end)
            } else {
                c.index = saved
            }
        }
        let uri: SIPURIView
        if c.consume(.lessThan) {
            let start = c.index
            c.index = c.distance(toNext: .greaterThan).map { c.index + $0 } ?? c.bytes.count
            guard c.consume(.greaterThan) else {
                throw SIPParseError(.invalidHeaderValue, "\(header): '<' without a closing '>'")
            }
            do {
                uri = try SIPURIView.parse(c.bytes, start, c.index - 1, base: base, maximumLength: maximumURILength)
            } catch {
                throw SIPParseError(.invalidHeaderValue, "\(header): \(error.detail)")
            }
        } else {
            let start = c.index
            while let b = c.peek, b != .semicolon, b != .comma, !b.isSIPWhitespace { c.index += 1 }
            let spec = c.slice(start, c.index)
            guard !spec.isEmpty else { throw SIPParseError(.invalidHeaderValue, "\(header): missing URI") }
            guard !spec.contains(.questionMark) else {
                throw SIPParseError(
                    .invalidHeaderValue, "\(header): a URI with '?' headers must be enclosed in <>")
            }
            do {
                uri = try SIPURIView.parse(c.bytes, start, c.index, base: base, maximumLength: maximumURILength)
            } catch {
                throw SIPParseError(.invalidHeaderValue, "\(header): \(error.detail)")
            }
        }
        let params = try c.scanGenericParameters(header: header, base: base, watching: &watched)
        return SIPNameAddressView(displayName: displayName, displayNameIsQuoted: quoted, uri: uri, parameters: params)
    }
}

/// One Contact element as ranges: `*` or an address (RFC 3261 §20.10).
public enum SIPContactView: Sendable, Hashable {
    /// `Contact: *`.
    case wildcard
    /// One contact address with its header parameters.
    case address(SIPNameAddressView)

    static func parseList(
        _ bytes: UnsafeRawBufferPointer, base: ViewBase, maximumURILength: Int,
        _ body: (SIPContactView) -> Void
    ) throws(SIPParseError) {
        var c = ByteCursor(bytes)
        c.skipWhitespace()
        if c.consume(UInt8(ascii: "*")) {
            c.skipWhitespace()
            guard c.isAtEnd else { throw SIPParseError(.invalidHeaderValue, "Contact: '*' must stand alone") }
            body(.wildcard)
            return
        }
        // SIPContact.parseList parses the whole list, then checks each address's first expires and q in
        // order: the first failing check is kept and thrown only once the list has parsed.
        c = ByteCursor(bytes)
        c.skipWhitespace()
        var failed: SIPParseError?
        repeat {
            var watched: WatchedParameters? = WatchedParameters("expires", "q")
            let a = try SIPNameAddressView.parseOne(
                &c, base: base, header: "Contact", maximumURILength: maximumURILength, watching: &watched)
            if failed == nil { failed = check(watched) }
            body(.address(a))
        } while try c.listContinues(header: "Contact")
        if let failed { throw failed }
    }

    private static func check(_ watched: WatchedParameters?) -> SIPParseError? {
        // One to nine digits always make a UInt32 (the common case, without building a String);
        // anything else is decided by the value parser's own conversion.
        if let e = watched?.first ?? nil, !(1...9).contains(e.count) || !e.allSatisfy(\.isASCIIDigit),
            UInt32(String(decoding: e, as: UTF8.self)) == nil
        {
            return SIPParseError(
                .invalidHeaderValue,
                "Contact: expires=\(String(decoding: e, as: UTF8.self)) is not a 32-bit delta-seconds")
        }
        if let q = watched?.second ?? nil,
            Double(String(decoding: q, as: UTF8.self)).map({ (0...1).contains($0) }) != true
        {
            return SIPParseError(
                .invalidHeaderValue, "Contact: q=\(String(decoding: q, as: UTF8.self)) is not between 0 and 1")
        }
        return nil
    }
}
