/// The parameters of a typed view, as the span of text they were validated in: read by walking that
/// text again, so a view holds no array and builds no `String` for them.
///
/// The grammar depends on where they stand: header `generic-param`s (`;name[=value]` with optional
/// whitespace, RFC 3261 §25.1), URI parameters (`;name[=value]`, %-escaped, §19.1.1), URI headers
/// (`name=value` joined by `&`) and the comma-separated `name=value` pairs of a challenge or credentials
/// (§25.1 `digest-response`, `challenge`).
public struct SIPParameterList: Sendable, Hashable {
    /// Which grammar the text follows.
    public enum Kind: UInt8, Sendable, Hashable {
        /// `*( SEMI generic-param )`: values as written, a quoted value with its quotes.
        case header
        /// `*( ";" uri-parameter )`: names and values %-escaped as written.
        case uri
        /// `hname "=" hvalue *( "&" hname "=" hvalue )`: %-escaped as written.
        case uriHeaders
        /// `name = value *( COMMA name = value )`: values as written, a quoted value with its quotes.
        case authentication
    }

    /// The text the parameters were validated in (empty when there are none).
    public let range: SIPByteRange
    /// The grammar of that text.
    public let kind: Kind
    // Where each parameter lies, when the validation noted it (not part of the value: two lists of
    // the same text are equal whether or not they carry one). Stored as the index's parts, the
    // count beside `kind`, so the list takes 32 bytes, not 40.
    let indexCount: UInt8
    let indexResume: UInt8
    let indexWords: (UInt64, UInt64)

    var index: SIPParameterIndex { SIPParameterIndex(count: indexCount, resume: indexResume, words: indexWords) }

    init(range: SIPByteRange, kind: Kind, index: SIPParameterIndex = .none) {
        self.range = range
        self.kind = kind
        self.indexCount = index.count
        self.indexResume = index.resume
        self.indexWords = index.words
    }

    public static func == (lhs: SIPParameterList, rhs: SIPParameterList) -> Bool {
        lhs.range == rhs.range && lhs.kind == rhs.kind
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(range)
        hasher.combine(kind)
    }

    /// Whether there are no parameters.
    @inlinable public var isEmpty: Bool { range.count == 0 }

    /// Walks validated parameter text, calling `body` with each name's and value's offsets in `bytes`
    /// (value nil for a bare name) until it returns false.
    static func scan(
        _ bytes: UnsafeRawBufferPointer, kind: Kind, _ body: (Range<Int>, Range<Int>?) -> Bool
    ) {
        let n = bytes.count
        var i = 0
        @inline(__always) func skipWhitespace() { while i < n, bytes[i].isSIPWhitespace { i += 1 } }
        @inline(__always) func quoted() {
            i += 1
            // Validated text: without a backslash, the next quote ends it (memchr finds both).
            if let base = bytes.baseAddress, i < n, let q = memchr(base + i, Int32(UInt8.quote), n - i) {
                let end = (base + i).distance(to: UnsafeRawPointer(q))
                if !UnsafeRawBufferPointer(rebasing: bytes[i..<(i + end)]).containsByte(.backslash) {
                    i += end + 1
                    return
                }
            }
            while i < n, bytes[i] != .quote { i += bytes[i] == .backslash ? 2 : 1 }
            i = min(i + 1, n)
        }
        switch kind {
        case .header, .authentication:
            var first = true
            while true {
                skipWhitespace()
                if i >= n { return }
                if kind == .header || !first {
                    i += 1  // the separator
                    skipWhitespace()
                }
                first = false
                let nameStart = i
                while i < n, bytes[i].isSIPToken { i += 1 }
                let name = nameStart..<i
                let save = i
                skipWhitespace()
                var value: Range<Int>?
                if i < n, bytes[i] == .equals {
                    i += 1
                    skipWhitespace()
                    let valueStart = i
                    if i < n, bytes[i] == .quote {
                        quoted()
                    } else if i < n, bytes[i] == .openBracket {
                        while i < n, bytes[i] != .closeBracket { i += 1 }
                        i = min(i + 1, n)
                    } else {
                        // A token, or an IPv6 `received` (hex digits, dots and colons).
                        while i < n, bytes[i].isSIPToken || bytes[i] == .colon { i += 1 }
                    }
                    value = valueStart..<i
                } else {
                    i = save
                }
                if !body(name, value) { return }
            }
        case .uri:
            while i < n {
                i += 1  // ";"
                let nameStart = i
                while i < n, bytes[i] != .equals, bytes[i] != .semicolon { i += 1 }
                let name = nameStart..<i
                var value: Range<Int>?
                if i < n, bytes[i] == .equals {
                    i += 1
                    let valueStart = i
                    while i < n, bytes[i] != .semicolon { i += 1 }
                    value = valueStart..<i
                }
                if !body(name, value) { return }
            }
        case .uriHeaders:
            var first = true
            while i < n {
                if !first { i += 1 }  // "&"
                first = false
                let nameStart = i
                while i < n, bytes[i] != .equals { i += 1 }
                let name = nameStart..<i
                i += 1
                let valueStart = min(i, n)
                while i < n, bytes[i] != .ampersand { i += 1 }
                if !body(name, valueStart..<max(valueStart, i)) { return }
            }
        }
    }

    /// Whether the parameter name at `name` in `bytes` is `target` (ASCII case-insensitive; URI names
    /// compared after %-decoding, as ``SIPParameters`` holds them).
    func nameMatches(_ bytes: UnsafeRawBufferPointer, _ name: Range<Int>, _ target: UnsafeBufferPointer<UInt8>) -> Bool
    {
        let raw = UnsafeRawBufferPointer(rebasing: bytes[name])
        if (kind == .uri || kind == .uriHeaders), raw.contains(.percent) {
            guard let decoded = percentDecoded(raw) else { return false }
            return asciiCaseInsensitiveEqual(decoded, String(decoding: target, as: UTF8.self))
        }
        guard raw.count == target.count else { return false }
        for i in 0..<raw.count where raw[i].asciiLowercased != target[i].asciiLowercased { return false }
        return true
    }

    /// The parameters as values, decoded as the value types hold them.
    func parameters(_ bytes: UnsafeRawBufferPointer) -> SIPParameters {
        guard !bytes.isEmpty else { return SIPParameters() }
        // One allocation for the list: count first (no allocation), with room for two more (a
        // server's received and rport stamp, §18.2.1) instead of growing the array 1, 2, 4.
        var count = 0
        if index.isIndexed && index.resume == 0 {
            count = Int(index.count)
        } else {
            forEachEntry(in: bytes) { _, _ in
                count += 1
                return true
            }
        }
        var out = SIPParameters(reservingCapacity: count + 2)
        let decode = kind == .uri || kind == .uriHeaders
        forEachEntry(in: bytes) { name, value in
            let n = UnsafeRawBufferPointer(rebasing: bytes[name])
            let v = value.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) }
            if decode {
                out.append(percentDecoded(n) ?? "", v.map { percentDecoded($0) ?? "" })
            } else {
                out.append(String(decoding: n, as: UTF8.self), v.map { String(decoding: $0, as: UTF8.self) })
            }
            return true
        }
        return out
    }
}

extension SIPMessage {
    /// Calls `body` with each parameter's name and value (nil for a bare name) in order, as written.
    public func forEachParameter(in list: SIPParameterList, _ body: (SIPByteRange, SIPByteRange?) -> Void) {
        guard !list.isEmpty else { return }
        let r = list.range
        headers.withBytes(of: r) { bytes in
            list.forEachEntry(in: bytes) { name, value in
                body(
                    SIPByteRange(start: r.start + Int32(name.lowerBound), count: Int32(name.count), origin: r.origin),
                    value.map {
                        SIPByteRange(start: r.start + Int32($0.lowerBound), count: Int32($0.count), origin: r.origin)
                    })
                return true
            }
        }
    }

    /// The first parameter named `name` (ASCII case-insensitive): `.some(nil)` when it has no value, nil
    /// when absent. The value is as written (quotes, %-escapes).
    public func parameter(_ name: String, in list: SIPParameterList) -> SIPByteRange?? {
        guard !list.isEmpty else { return nil }
        var target = name
        let r = list.range
        return target.withUTF8 { t in
            headers.withBytes(of: r) { bytes -> SIPByteRange?? in
                var found: SIPByteRange??
                list.forEachEntry(in: bytes) { n, value in
                    guard list.nameMatches(bytes, n, t) else { return true }
                    found = .some(
                        value.map {
                            SIPByteRange(
                                start: r.start + Int32($0.lowerBound), count: Int32($0.count), origin: r.origin)
                        })
                    return false
                }
                return found
            }
        }
    }

    /// The value of the first parameter named `name`, as written; nil when absent or valueless.
    public func parameterValue(_ name: String, in list: SIPParameterList) -> String? {
        (parameter(name, in: list) ?? nil).map { string($0) }
    }

    /// The parameters as a ``SIPParameters`` value (names and values decoded as the value types hold them).
    public func parameters(_ list: SIPParameterList) -> SIPParameters {
        headers.withBytes(of: list.range) { list.parameters($0) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
