// Typed header values as ranges over the message's bytes. Each parser here is the grammar of its value
// type's parser (SIPVia, SIPNameAddress, SIPContact, SIPCSeq, SIPAuthentication, SIPMediaType) with the
// same checks in the same order and the same error texts; only the result differs: ranges instead of
// Strings. ViewDifferentialTests holds the two to that.

/// One Via value (RFC 3261 §20.42, §18.2; RFC 3581 `rport`) as ranges over its message's bytes.
public struct SIPViaView: Sendable, Hashable {
    /// The protocol name of sent-protocol (`SIP`).
    public let protocolName: SIPByteRange
    /// The protocol version of sent-protocol (`2.0`).
    public let protocolVersion: SIPByteRange
    /// The transport as written (``SIPVia/transport`` is its uppercase form).
    public let transport: SIPByteRange
    /// The sent-by host (IPv6 with brackets).
    public let host: SIPByteRange
    /// The sent-by port; nil when absent.
    public var port: Int? { portValue < 0 ? nil : Int(portValue) }
    let portValue: Int32
    /// The via-params (`branch`, `received`, `rport`, …), values as written.
    public let parameters: SIPParameterList

    static func parse(_ c: inout ByteCursor, base: ViewBase) throws(SIPParseError) -> SIPViaView {
        let nameStart = c.index
        guard let name = c.token(), c.consumeSeparator(.slash) else { throw invalidProtocol }
        let versionStart = c.index
        guard let version = c.token(), c.consumeSeparator(.slash) else { throw invalidProtocol }
        let transportStart = c.index
        guard let transport = c.token() else { throw invalidProtocol }
        let before = c.index
        c.skipWhitespace()
        guard c.index > before else { throw SIPParseError(.invalidHeaderValue, "Via: no space before sent-by") }
        let hostStart = c.index
        if c.consume(.openBracket) {
            while let b = c.peek, b.isASCIIHexDigit || b == .colon || b == UInt8(ascii: ".") { c.index += 1 }
            guard c.consume(.closeBracket) else {
                throw SIPParseError(.invalidHeaderValue, "Via: invalid IPv6 sent-by")
            }
        } else {
            // .host without ':', '[' and ']' is .uriHost without '_' (one table load per byte).
            while let b = c.peek, b.isIn(.uriHost), b != UInt8(ascii: "_") { c.index += 1 }
        }
        guard c.index > hostStart else { throw SIPParseError(.invalidHeaderValue, "Via: missing sent-by host") }
        let host = base.range(hostStart, c.index)
        var port: Int32 = -1
        if c.consumeSeparator(.colon) {
            guard let digits = c.run(of: .token), let p = parsePort(digits) else {
                throw SIPParseError(.invalidHeaderValue, "Via: invalid sent-by port")
            }
            port = Int32(p)
        }
        var watched: WatchedParameters? = WatchedParameters("ttl", "rport")
        let params = try c.scanGenericParameters(header: "Via", base: base, watching: &watched)
        let view = SIPViaView(
            protocolName: base.range(nameStart, nameStart + name.count),
            protocolVersion: base.range(versionStart, versionStart + version.count),
            transport: base.range(transportStart, transportStart + transport.count), host: host, portValue: port,
            parameters: params)
        // The checks SIPVia.parseOne makes on the first ttl and rport (names case-insensitive).
        if let ttl = watched?.first ?? nil,
            Int(String(decoding: ttl, as: UTF8.self)).map({ (0...255).contains($0) }) != true
        {
            throw SIPParseError(.invalidHeaderValue, "Via: ttl must be 0–255")
        }
        if let rport = watched?.second ?? nil, parsePort(rport) == nil {
            throw SIPParseError(.invalidHeaderValue, "Via: rport must be a port number")
        }
        return view
    }

    private static var invalidProtocol: SIPParseError {
        SIPParseError(.invalidHeaderValue, "Via: sent-protocol must be name/version/transport")
    }
}

/// One challenge or set of credentials (WWW-Authenticate, Proxy-Authenticate, Authorization,
/// Proxy-Authorization; RFC 3261 §25.1) as ranges: the scheme and its `name=value` pairs.
public struct SIPAuthenticationView: Sendable, Hashable {
    /// The scheme as written, e.g. `Digest`.
    public let scheme: SIPByteRange
    /// The `name=value` pairs, values as written (quotes included).
    public let parameters: SIPParameterList

    static func parseList(
        _ bytes: UnsafeRawBufferPointer, base: ViewBase, header: String, _ body: (SIPAuthenticationView) -> Void
    ) throws(SIPParseError) {
        var c = ByteCursor(bytes)
        c.skipWhitespace()
        var delivered = false
        while !c.isAtEnd {
            let schemeStart = c.index
            guard let scheme = c.token() else {
                throw SIPParseError(.invalidHeaderValue, "\(header): missing authentication scheme")
            }
            let schemeRange = base.range(schemeStart, schemeStart + scheme.count)
            c.skipWhitespace()
            let paramsStart = c.index
            var paramsEnd = c.index
            var count = 0
            var positions = SIPParameterIndex.empty
            while !c.isAtEnd {
                let save = c.index
                guard let name = c.token() else {
                    throw SIPParseError(.invalidHeaderValue, "\(header): expected name=value")
                }
                guard c.consumeSeparator(.equals) else {
                    guard count > 0, SIPAuthentication.previousNonWhitespace(c.bytes, before: save) == .comma else {
                        throw SIPParseError(
                            .invalidHeaderValue,
                            "\(header): \(String(decoding: scheme, as: UTF8.self)) needs name=value parameters")
                    }
                    c.index = save
                    break
                }
                let valueStart = c.index
                _ = try c.scanGenericValue(header: header, parameter: name)
                positions.add(
                    name: (save - paramsStart)..<(save + name.count - paramsStart),
                    value: (valueStart - paramsStart)..<(c.index - paramsStart))
                paramsEnd = c.index
                count += 1
                c.skipWhitespace()
                if c.isAtEnd { break }
                guard c.consume(.comma) else {
                    throw SIPParseError(.invalidHeaderValue, "\(header): expected ',' between parameters")
                }
                c.skipWhitespace()
            }
            guard count > 0 else {
                throw SIPParseError(
                    .invalidHeaderValue,
                    "\(header): \(String(decoding: scheme, as: UTF8.self)) needs name=value parameters")
            }
            delivered = true
            body(
                SIPAuthenticationView(
                    scheme: schemeRange,
                    parameters: SIPParameterList(
                        range: base.range(paramsStart, paramsEnd), kind: .authentication, index: positions)))
        }
        guard delivered else { throw SIPParseError(.invalidHeaderValue, "\(header): empty") }
    }
}

/// CSeq (RFC 3261 §20.16): the number and the method.
public struct SIPCSeqView: Sendable, Hashable {
    /// The sequence number (below 2^31).
    public let sequenceNumber: UInt32
    /// The method as written.
    public let methodText: SIPByteRange
    /// The method (the common ones without building a String).
    public let method: SIPMethod

    static func parse(_ bytes: UnsafeRawBufferPointer, base: ViewBase) throws(SIPParseError) -> SIPCSeqView {
        var c = ByteCursor(bytes)
        c.skipWhitespace()
        guard let digits = c.run(of: .token), let n = parseDecimal(digits, max: 0x7FFF_FFFF) else {
            throw SIPParseError(.invalidHeaderValue, "CSeq: the sequence number must be a number below 2^31")
        }
        c.skipWhitespace()
        let methodStart = c.index
        guard let method = c.token() else { throw SIPParseError(.invalidHeaderValue, "CSeq: missing method") }
        c.skipWhitespace()
        guard c.isAtEnd else { throw SIPParseError(.invalidHeaderValue, "CSeq: unexpected text after the method") }
        return SIPCSeqView(
            sequenceNumber: UInt32(n), methodText: base.range(methodStart, methodStart + method.count),
            method: SIPMethod.from(bytes: method))
    }
}

/// Content-Type (RFC 3261 §20.15) as ranges: type, subtype and parameters.
public struct SIPMediaTypeView: Sendable, Hashable {
    /// The top-level type as written, e.g. `application`.
    public let type: SIPByteRange
    /// The subtype as written, e.g. `sdp`.
    public let subtype: SIPByteRange
    /// The media type's parameters, values as written.
    public let parameters: SIPParameterList

    static func parse(_ bytes: UnsafeRawBufferPointer, base: ViewBase) throws(SIPParseError) -> SIPMediaTypeView {
        var c = ByteCursor(bytes)
        c.skipWhitespace()
        let typeStart = c.index
        guard let t = c.token() else { throw SIPParseError(.invalidHeaderValue, "Content-Type: must be type/subtype") }
        let type = base.range(typeStart, typeStart + t.count)
        guard c.consumeSeparator(.slash) else {
            throw SIPParseError(.invalidHeaderValue, "Content-Type: must be type/subtype")
        }
        let subtypeStart = c.index
        guard let s = c.token() else { throw SIPParseError(.invalidHeaderValue, "Content-Type: must be type/subtype") }
        let subtype = base.range(subtypeStart, subtypeStart + s.count)
        let params = try c.scanGenericParameters(header: "Content-Type", base: base)
        c.skipWhitespace()
        guard c.isAtEnd else { throw SIPParseError(.invalidHeaderValue, "Content-Type: only one value is allowed") }
        return SIPMediaTypeView(type: type, subtype: subtype, parameters: params)
    }
}
