// The shared grammar of the views' parsers (RFC 3261 §25.1 generic-param and gen-value), checking
// exactly what HeaderParameters.swift checks but keeping spans of text instead of Strings.

extension ByteCursor {
    /// `*( SEMI generic-param )` checked as ``genericParameters(header:)`` checks it, kept as the span of text.
    mutating func scanGenericParameters(header: String, base: ViewBase) throws(SIPParseError) -> SIPParameterList {
        var none = WatchedParameters?.none
        return try scanGenericParameters(header: header, base: base, watching: &none)
    }

    /// The same, also keeping the values of the first parameters with the two names `watched` asks
    /// for, so checks on them need no second pass over the text.
    mutating func scanGenericParameters(header: String, base: ViewBase, watching watched: inout WatchedParameters?)
        throws(SIPParseError) -> SIPParameterList
    {
        let start = index
        var end = index
        var positions = SIPParameterIndex.empty
        while consumeSeparator(.semicolon) {
            let nameStart = index
            guard let name = token() else {
                throw SIPParseError(.invalidHeaderValue, "\(header): empty or invalid parameter after ';'")
            }
            let nameRange = (nameStart - start)..<(index - start)
            var value: UnsafeRawBufferPointer?
            var valueRange: Range<Int>?
            if consumeSeparator(.equals) {
                let valueStart = index
                value = try scanGenericValue(header: header, parameter: name)
                valueRange = (valueStart - start)..<(index - start)
            }
            if watched != nil { watched!.saw(name, value) }
            positions.add(name: nameRange, value: valueRange)
            end = index
        }
        return SIPParameterList(range: base.range(start, end), kind: .header, index: positions)
    }

    /// gen-value as ``genericValue(header:parameter:)`` reads it, without making the String.
    mutating func scanGenericValue(header: String, parameter: UnsafeRawBufferPointer) throws(SIPParseError)
        -> UnsafeRawBufferPointer
    {
        if peek == .quote {
            guard let q = quotedString() else {
                throw SIPParseError(
                    .invalidHeaderValue,
                    "\(header): unterminated quoted string in parameter \(String(decoding: parameter, as: UTF8.self))")
            }
            return q
        }
        let start = index
        if parameter.count == 8, bytesEqualCaseInsensitive(parameter, "received") {
            while let b = peek, b.isASCIIHexDigit || b == .colon || b == UInt8(ascii: ".") { index += 1 }
            if index > start, slice(start, index).contains(.colon) { return slice(start, index) }
            index = start
        }
        if consume(.openBracket) {
            while let b = peek, b != .closeBracket, b.isASCIIHexDigit || b == .colon || b == UInt8(ascii: ".") {
                index += 1
            }
            guard consume(.closeBracket) else {
                throw SIPParseError(.invalidHeaderValue, "\(header): invalid IPv6 reference in a parameter")
            }
            return slice(start, index)
        }
        guard let v = longToken() else {
            throw SIPParseError(
                .invalidHeaderValue,
                "\(header): parameter \(String(decoding: parameter, as: UTF8.self)) has '=' but no value")
        }
        return v
    }
}

/// The first values of two parameter names (ASCII case-insensitive), seen while scanning: `.some(nil)`
/// for a name present without a value, nil for one absent.
struct WatchedParameters {
    let firstName: StaticString
    let secondName: StaticString
    var first: UnsafeRawBufferPointer??
    var second: UnsafeRawBufferPointer??

    init(_ firstName: StaticString, _ secondName: StaticString) {
        self.firstName = firstName
        self.secondName = secondName
    }

    mutating func saw(_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer?) {
        if first == nil, name.count == firstName.utf8CodeUnitCount, bytesEqualCaseInsensitive(name, firstName) {
            first = .some(value)
        } else if second == nil, name.count == secondName.utf8CodeUnitCount,
            bytesEqualCaseInsensitive(name, secondName)
        {
            second = .some(value)
        }
    }
}
