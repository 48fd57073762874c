/// Where one field of a typed header view lies in its message's bytes: no copy, no `String`.
///
/// The typed views (``SIPViaView``, ``SIPNameAddressView``, ``SIPURIView``, …) hold only these. A
/// range is read through the message it came from (``SIPMessage/string(_:)``,
/// ``SIPMessage/withBytes(of:_:)``) and stays valid while that message's header lines are not
/// removed or reordered (adding lines keeps it valid: storage only grows).
public struct SIPByteRange: Sendable, Hashable {
    /// Offset in the header storage, or, when ``origin`` is a line index, in that line's unfolded value.
    @usableFromInline let start: Int32
    @usableFromInline let count: Int32
    /// -1: ``start`` is an offset in the storage; otherwise the index of a folded header line whose
    /// unfolded value ``start`` counts in (§7.3.1 folding is removed before parsing).
    @usableFromInline let origin: Int32

    @inlinable init(start: Int32, count: Int32, origin: Int32) {
        self.start = start
        self.count = count
        self.origin = origin
    }

    /// Stands for "no field" in a view's storage (a negative count), so a view keeps a plain range
    /// where its public field is optional: one layout of 4-byte fields, cheaper to build and copy.
    @inlinable static var absent: SIPByteRange { SIPByteRange(start: 0, count: -1, origin: -1) }

    /// Nil for ``absent``, else the range.
    @inlinable var ifPresent: SIPByteRange? { count < 0 ? nil : self }

    /// How many bytes the field has.
    @inlinable public var length: Int { Int(count) }
    /// Whether the field is empty (an empty reason phrase, `Supported:` with nothing).
    @inlinable public var isEmpty: Bool { count == 0 }
}

/// Where a typed view's parser reads: the value bytes of one header line and how offsets in them
/// map back to a ``SIPByteRange``.
struct ViewBase {
    let offset: Int32
    let origin: Int32
    /// The line came from the parser, which has checked Call-ID, CSeq and Max-Forwards already
    /// (``SIPHeadParser/checkMandatoryHeaders``); false for a line added in code.
    let parsedLine: Bool

    init(offset: Int32, origin: Int32, parsedLine: Bool = false) {
        self.offset = offset
        self.origin = origin
        self.parsedLine = parsedLine
    }

    @inline(__always) func range(_ from: Int, _ to: Int) -> SIPByteRange {
        SIPByteRange(
            start: offset + Int32(truncatingIfNeeded: from), count: Int32(truncatingIfNeeded: to - from), origin: origin
        )
    }
}

extension SIPHeaders {
    /// Runs `body` over the value bytes of line `index` with the base its ranges are made against.
    func withViewBytes<T>(at index: Int, _ body: (UnsafeRawBufferPointer, ViewBase) throws(SIPParseError) -> T)
        throws(SIPParseError) -> T
    {
        let e = entries[index]
        let slice = rawBytes(e.valueStart, e.valueLength)
        if !e.folded { return try body(slice, ViewBase(offset: e.valueStart, origin: -1, parsedLine: e.line > 0)) }
        return try withArrayBytes(Self.unfold(slice)) { (b) throws(SIPParseError) in
            try body(b, ViewBase(offset: 0, origin: Int32(index), parsedLine: e.line > 0))
        }
    }

    /// The bytes of `range`, made by a view of these headers.
    func withBytes<T>(of range: SIPByteRange, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        if range.origin < 0 { return body(rawBytes(range.start, range.count)) }
        let e = entries[Int(range.origin)]
        return Self.unfold(rawBytes(e.valueStart, e.valueLength)).withUnsafeBytes {
            body(UnsafeRawBufferPointer(rebasing: $0[Int(range.start)..<Int(range.start + range.count)]))
        }
    }
}

extension SIPMessage {
    /// The text of a field of one of this message's typed views, exactly as written (quotes and
    /// %-escapes included; the views' own accessors decode).
    public func string(_ range: SIPByteRange) -> String {
        headers.withBytes(of: range) { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with the bytes of a field of one of this message's typed views (valid only
    /// during the call).
    public func withBytes<T>(of range: SIPByteRange, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        headers.withBytes(of: range, body)
    }

    /// Whether the field equals `text`, ignoring ASCII case (tokens, schemes, parameter names).
    public func field(_ range: SIPByteRange, equalsIgnoringCase text: String) -> Bool {
        var t = text
        return t.withUTF8 { lit in
            withBytes(of: range) { b in
                guard b.count == lit.count else { return false }
                for i in 0..<b.count where b[i].asciiLowercased != lit[i].asciiLowercased { return false }
                return true
            }
        }
    }
}

extension SIPHeaders {
    /// Where the value of the line at `index` is, for reading it without a `String` (through the message
    /// these headers belong to); a folded value is read unfolded.
    @inlinable
    public func valueRange(at index: Int) -> SIPByteRange {
        let e = entries[index]
        if !e.folded { return SIPByteRange(start: e.valueStart, count: e.valueLength, origin: -1) }
        let length = withValueBytes(at: index) { $0.count }
        return SIPByteRange(start: 0, count: Int32(length), origin: Int32(index))
    }
}

extension SIPMessage {
    /// Content-Length (§20.14) as a number; nil when absent. The parser has already checked it (a plain
    /// decimal of at most 10 digits, written once), so this reads it again only as a value.
    public var contentLength: Int? {
        get throws(SIPParseError) {
            if let checked = checkedNumber(.contentLength) { return checked }
            return try parseSingle(.contentLength) { (b) throws(SIPParseError) in
                try parseDeltaValue(b, header: "Content-Length", max: 9_999_999_999)
            }
        }
    }
}

extension SIPMessage {
    /// The value of a single-valued numeric header that the parser has already checked (Content-Length,
    /// Max-Forwards: plain decimals, ``SIPHeadParser``), read without checking again: `.some(nil)` when
    /// certainly absent, nil when the slow path must decide (a line added in code or folded, or a
    /// name that may repeat).
    func checkedNumber(_ known: SIPHeaderName.Known) -> Int?? {
        guard headers.mayContain(known) else { return .some(nil) }
        guard !headers.mayRepeat(known) else { return nil }
        let raw = known.rawValue
        guard let i = headers.entries.firstIndex(where: { $0.known == raw }) else { return .some(nil) }
        let e = headers.entries[i]
        guard e.line > 0, !e.folded else { return nil }
        var value = 0
        for b in headers.rawBytes(e.valueStart, e.valueLength) where b.isASCIIDigit {
            value = value &* 10 &+ Int(b &- UInt8(ascii: "0"))
        }
        return .some(value)
    }
}
