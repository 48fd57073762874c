/// A `sip:`, `sips:`, `tel:` or other URI as ranges over its message's bytes (RFC 3261 §19.1,
/// RFC 3966): the same grammar and the same errors as ``SIPURI``, without building a `String`.
///
/// Fields are as written (%-escapes kept); ``SIPMessage/uri(_:)`` gives the decoded ``SIPURI``.
public struct SIPURIView: Sendable, Hashable {
    /// The scheme, recognised; ``SIPURI/Scheme/other(_:)`` carries no text here (read ``schemeText``).
    public enum Scheme: UInt8, Sendable, Hashable {
        /// `sip:` (§19.1).
        case sip
        /// `sips:` (§19.1, §26.2.2).
        case sips
        /// `tel:` (RFC 3966): the number is in ``SIPURIView/user``.
        case tel
        /// Any other scheme: the rest is in ``SIPURIView/opaque``.
        case other
    }

    // Stored as plain ranges (``SIPByteRange/absent`` for none) and 4-byte fields first: a view is
    // built and copied several times on its way to the caller, and optionals of 13 bytes between
    // them made a layout of odd offsets and padding.
    /// The scheme as written.
    public let schemeText: SIPByteRange
    let userStorage: SIPByteRange
    let passwordStorage: SIPByteRange
    /// Host name, IPv4 address, or IPv6 reference with its brackets; empty for `tel:` and other schemes.
    public let host: SIPByteRange
    let opaqueStorage: SIPByteRange
    let headersRange: SIPByteRange
    let portValue: Int32
    /// Which scheme; `other` is kept opaque.
    public let scheme: Scheme
    /// `;name=value` URI parameters.
    public let parameters: SIPParameterList

    /// The user part (for `tel:` the number), %-escaped as written; nil when absent.
    public var user: SIPByteRange? { userStorage.ifPresent }
    /// The password after `user:`, %-escaped as written; nil when absent.
    public var password: SIPByteRange? { passwordStorage.ifPresent }
    /// The port, 0–65535; nil when absent.
    public var port: Int? { portValue < 0 ? nil : Int(portValue) }
    /// `?name=value&…` URI headers.
    public var headers: SIPParameterList { SIPParameterList(range: headersRange, kind: .uriHeaders) }
    /// Everything after `scheme:` for a scheme other than sip, sips and tel; nil otherwise.
    public var opaque: SIPByteRange? { opaqueStorage.ifPresent }

    init(
        scheme: Scheme, schemeText: SIPByteRange, user: SIPByteRange?, password: SIPByteRange?, host: SIPByteRange,
        portValue: Int32, parameters: SIPParameterList, headers: SIPByteRange, opaque: SIPByteRange?
    ) {
        self.scheme = scheme
        self.schemeText = schemeText
        self.userStorage = user ?? .absent
        self.passwordStorage = password ?? .absent
        self.host = host
        self.portValue = portValue
        self.parameters = parameters
        self.headersRange = headers
        self.opaqueStorage = opaque ?? .absent
    }
}

extension SIPURIView {
    /// Parses exactly one URI from `bytes` (offsets `from..<to`), with ``SIPURI/parse(_:maximumLength:)``'s
    /// checks and error texts.
    static func parse(
        _ bytes: UnsafeRawBufferPointer, _ from: Int, _ to: Int, base: ViewBase, maximumLength: Int
    ) throws(SIPParseError) -> SIPURIView {
        let whole = UnsafeRawBufferPointer(rebasing: bytes[from..<to])
        guard whole.count <= maximumLength else {
            throw SIPParseError(.uriTooLong, "URI of \(whole.count) bytes exceeds the limit of \(maximumLength)")
        }
        // The cursor runs over `whole`; offsets are shifted by `from` when they become ranges.
        let b = ViewBase(offset: base.offset + Int32(from), origin: base.origin)
        var c = ByteCursor(whole)
        guard let first = c.peek, (first | 0x20) >= UInt8(ascii: "a"), (first | 0x20) <= UInt8(ascii: "z"),
            let schemeBytes = c.run(of: .scheme), c.consume(.colon)
        else {
            throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has no scheme")
        }
        let schemeText = b.range(0, schemeBytes.count)
        let scheme: Scheme
        if schemeBytes.count == 3, bytesEqualCaseInsensitive(schemeBytes, "sip") {
            scheme = .sip
        } else if schemeBytes.count == 4, bytesEqualCaseInsensitive(schemeBytes, "sips") {
            scheme = .sips
        } else if schemeBytes.count == 3, bytesEqualCaseInsensitive(schemeBytes, "tel") {
            scheme = .tel
        } else {
            let rest = c.remaining
            guard !rest.isEmpty, rest.allSatisfy({ $0.isIn(.uric) || $0.isIn(.unreserved) }) else {
                throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has characters not allowed in a URI")
            }
            let empty = b.range(c.index, c.index)
            return SIPURIView(
                scheme: .other, schemeText: schemeText, user: nil, password: nil, host: empty, portValue: -1,
                parameters: SIPParameterList(range: empty, kind: .uri), headers: empty,
                opaque: b.range(c.index, whole.count))
        }
        if scheme == .tel { return try parseTel(&c, whole: whole, base: b, schemeText: schemeText) }

        var user: SIPByteRange?
        var password: SIPByteRange?
        if let atOffset = c.distance(toNext: .at) {
            let userinfoEnd = c.index + atOffset
            let userStart = c.index
            while c.index < userinfoEnd, c.bytes[c.index] != .colon {
                guard
                    c.bytes[c.index].isIn(.unreserved, or: .userUnreserved)
                        || c.bytes[c.index] == .percent
                else { throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has an invalid user part") }
                c.index += 1
            }
            guard c.index > userStart, hasValidEscapes(c.slice(userStart, c.index)) else {
                throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has an invalid user part")
            }
            user = b.range(userStart, c.index)
            if c.consume(.colon) {
                let pwStart = c.index
                while c.index < userinfoEnd {
                    guard c.bytes[c.index].isIn(.password) else {
                        throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has an invalid password")
                    }
                    c.index += 1
                }
                guard hasValidEscapes(c.slice(pwStart, c.index)) else {
                    throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has an invalid password")
                }
                password = b.range(pwStart, c.index)
            }
            c.index = userinfoEnd + 1
        }
        let hostStart = c.index
        _ = try SIPURI.scanHost(&c, whole: whole)
        let host = b.range(hostStart, c.index)
        var port: Int32 = -1
        if c.consume(.colon) {
            guard let digits = c.run(of: .token), digits.count <= 5, let value = parsePort(digits) else {
                throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has an invalid port")
            }
            port = Int32(value)
        }
        let parameters = try scanParameters(&c, whole: whole, base: b)
        var headers = b.range(c.index, c.index)
        if c.consume(.questionMark) {
            let start = c.index
            try scanHeaders(&c, whole: whole)
            headers = b.range(start, c.index)
        }
        guard c.isAtEnd else {
            throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has unexpected characters after its end")
        }
        return SIPURIView(
            scheme: scheme, schemeText: schemeText, user: user, password: password, host: host, portValue: port,
            parameters: parameters, headers: headers, opaque: nil)
    }

    static func scanParameters(_ c: inout ByteCursor, whole: UnsafeRawBufferPointer, base: ViewBase)
        throws(SIPParseError) -> SIPParameterList
    {
        let start = c.index
        // The escapes are checked again only when a `%` was seen (rare).
        var percents: UInt8 = 0
        var positions = SIPParameterIndex.empty
        while c.consume(.semicolon) {
            let nameStart = c.index
            while let b = c.peek, SIPURI.isParamChar(b) {
                percents |= b == .percent ? 1 : 0
                c.index += 1
            }
            guard c.index > nameStart, percents == 0 || hasValidEscapes(c.slice(nameStart, c.index)) else {
                throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has an empty or invalid parameter")
            }
            let nameRange = (nameStart - start)..<(c.index - start)
            var valueRange: Range<Int>?
            defer { positions.add(name: nameRange, value: valueRange) }
            if c.consume(.equals) {
                let valueStart = c.index
                while let b = c.peek, SIPURI.isParamChar(b) {
                    percents |= b == .percent ? 1 : 0
                    c.index += 1
                }
                guard c.index > valueStart, percents == 0 || hasValidEscapes(c.slice(valueStart, c.index)) else {
                    let name = percentDecoded(c.slice(nameStart, valueStart - 1)) ?? ""
                    throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has an invalid value for \(name)")
                }
                valueRange = (valueStart - start)..<(c.index - start)
            }
        }
        return SIPParameterList(range: base.range(start, c.index), kind: .uri, index: positions)
    }

    static func scanHeaders(_ c: inout ByteCursor, whole: UnsafeRawBufferPointer) throws(SIPParseError) {
        repeat {
            let nameStart = c.index
            while let b = c.peek, b.isIn(.unreserved, or: .headerUnreserved) || b == .percent { c.index += 1 }
            guard c.index > nameStart, hasValidEscapes(c.slice(nameStart, c.index)), c.consume(.equals)
            else { throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has an invalid header part") }
            let valueStart = c.index
            while let b = c.peek, b.isIn(.unreserved, or: .headerUnreserved) || b == .percent { c.index += 1 }
            guard hasValidEscapes(c.slice(valueStart, c.index)) else {
                throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has an invalid header value")
            }
        } while c.consume(.ampersand)
    }

    static func parseTel(
        _ c: inout ByteCursor, whole: UnsafeRawBufferPointer, base: ViewBase, schemeText: SIPByteRange
    ) throws(SIPParseError) -> SIPURIView {
        let start = c.index
        while let b = c.peek,
            b.isASCIIHexDigit || b == UInt8(ascii: "+") || b == UInt8(ascii: "-")
                || b == UInt8(ascii: ".") || b == .openParen || b == .closeParen || b == UInt8(ascii: "*")
                || b == UInt8(ascii: "#")
        {
            c.index += 1
        }
        guard c.index > start else { throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has no number") }
        let user = base.range(start, c.index)
        let parameters = try scanParameters(&c, whole: whole, base: base)
        guard c.isAtEnd else {
            throw SIPParseError(.invalidURI, "URI \(quoteForError(whole)) has unexpected characters after its end")
        }
        let empty = base.range(c.index, c.index)
        return SIPURIView(
            scheme: .tel, schemeText: schemeText, user: user, password: nil, host: empty, portValue: -1,
            parameters: parameters, headers: empty, opaque: nil)
    }
}

/// Whether every `%` starts an escape of two hex digits (what ``percentDecoded(_:)`` accepts).
func hasValidEscapes(_ raw: UnsafeRawBufferPointer) -> Bool {
    var i = 0
    while i < raw.count {
        if raw[i] == .percent {
            guard i + 2 < raw.count, raw[i + 1].isASCIIHexDigit, raw[i + 2].isASCIIHexDigit else { return false }
            i += 3
        } else {
            i += 1
        }
    }
    return true
}

extension SIPMessage {
    /// The URI of a view as a ``SIPURI`` value (user, password, parameters and headers decoded).
    public func uri(_ view: SIPURIView) -> SIPURI {
        let text = { (r: SIPByteRange) in self.string(r) }
        let decoded = { (r: SIPByteRange) in self.withBytes(of: r) { percentDecoded($0) ?? "" } }
        switch view.scheme {
        case .other:
            var uri = SIPURI(scheme: .other(text(view.schemeText)), host: "")
            uri.opaque = view.opaque.map(text)
            return uri
        case .tel:
            var uri = SIPURI(scheme: .tel, user: view.user.map(text), host: "")
            uri.parameters = parameters(view.parameters)
            return uri
        case .sip, .sips:
            var uri = SIPURI(
                scheme: view.scheme == .sip ? .sip : .sips, user: view.user.map(decoded),
                password: view.password.map(decoded), host: text(view.host), port: view.port)
            uri.parameters = parameters(view.parameters)
            uri.headers = parameters(view.headers)
            return uri
        }
    }
}
