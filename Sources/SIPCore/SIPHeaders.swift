import NIOCore

/// The header fields of a message, in order, with their names as written.
///
/// Parsed messages keep every name and value as a range into the received bytes: nothing becomes a
/// `String` until someone reads it (parse bytes, make Strings late). Headers added in code
/// are appended to the same storage, so a message built in code and one parsed from the wire behave
/// alike. Lookup is case-insensitive and knows the compact forms (RFC 3261 §7.3.1, §7.3.3).
public struct SIPHeaders: Sendable {
    @usableFromInline
    struct Entry: Sendable {
        @usableFromInline var nameStart: Int32
        @usableFromInline var nameLength: Int32
        @usableFromInline var valueStart: Int32
        @usableFromInline var valueLength: Int32
        /// 1-based line in the parsed message (0 for headers added in code).
        @usableFromInline var line: Int32
        /// `SIPHeaderName.Known` raw value, or `unknownName`.
        @usableFromInline var known: UInt8
        /// The value spans continuation lines (§7.3.1 folding) and is unfolded when read.
        @usableFromInline var folded: Bool

        @usableFromInline static let unknownName: UInt8 = .max

        @inlinable var knownName: SIPHeaderName.Known? { SIPHeaderName.Known(rawValue: known) }
    }

    @usableFromInline var storage: ByteBuffer
    /// Where `storage`'s readable bytes start, so reading a value is pointer arithmetic:
    /// `ByteBuffer.withUnsafeReadableBytes` reads NIO's storage object through a class property, a
    /// dynamic exclusivity check on every call. Valid while `storage` (held alongside, keeping the
    /// bytes alive) is not written; every write below is followed by ``refreshBase()``.
    @usableFromInline var base: StorageBase
    @usableFromInline var entries: [Entry]
    /// A bit per known name (its raw value) that may have a line here: set for every line parsed or
    /// added, never cleared (a removal leaves it set), so a clear bit means "none" and the typed
    /// accessors skip the search for headers a message does not have.
    @usableFromInline var mayContain: UInt64
    /// A bit per known name that may have more than one line (set when a second is parsed or added,
    /// never cleared): a clear bit lets the single-valued accessors skip looking for a duplicate.
    @usableFromInline var mayRepeat: UInt64

    /// An empty header list.
    public init() {
        self.storage = ByteBuffer()
        self.base = StorageBase(storage)
        self.entries = []
        self.mayContain = 0
        self.mayRepeat = 0
    }

    @inlinable
    init(storage: ByteBuffer, entries: [Entry]) {
        self.storage = storage
        self.base = StorageBase(storage)
        self.entries = entries
        var bits: UInt64 = 0
        var repeated: UInt64 = 0
        for e in entries {
            let b = Self.bit(e.known)
            repeated |= bits & b
            bits |= b
        }
        self.mayContain = bits
        self.mayRepeat = repeated
    }

    /// Parsed lines with their presence bits as the parser found them (the same bits the init above
    /// computes, without a second pass over the lines).
    init(storage: ByteBuffer, entries: [Entry], mayContain: UInt64, mayRepeat: UInt64) {
        self.storage = storage
        self.base = StorageBase(storage)
        self.entries = entries
        self.mayContain = mayContain
        self.mayRepeat = mayRepeat
    }

    /// An empty header list whose storage holds `capacity` bytes of names and values before it grows.
    package init(reservingCapacity capacity: Int) {
        self.storage = ByteBufferAllocator().buffer(capacity: capacity)
        self.base = StorageBase(storage)
        self.entries = []
        self.mayContain = 0
        self.mayRepeat = 0
    }

    /// Takes the storage's address again after a write (which may have moved or copied it).
    @inlinable mutating func refreshBase() { base = StorageBase(storage) }

    /// The bytes at `start..<start + count` of the storage (no exclusivity check, no closure).
    @inlinable @inline(__always)
    func rawBytes(_ start: Int32, _ count: Int32) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base.pointer.map { $0 + Int(start) }, count: Int(count))
    }

    @inlinable static func bit(_ known: UInt8) -> UInt64 { known < 64 ? 1 << UInt64(known) : 0 }

    /// Whether a line of this known name may be present (false: certainly none).
    @inlinable func mayContain(_ known: SIPHeaderName.Known) -> Bool { mayContain & Self.bit(known.rawValue) != 0 }

    /// Whether more than one line of this known name may be present (false: at most one).
    @inlinable func mayRepeat(_ known: SIPHeaderName.Known) -> Bool { mayRepeat & Self.bit(known.rawValue) != 0 }

    /// Notes a line of `known` (raw value) added.
    @inlinable mutating func noteAdded(_ known: UInt8) {
        let b = Self.bit(known)
        mayRepeat |= mayContain & b
        mayContain |= b
    }

    /// Headers from name/value pairs, in order.
    public init(_ pairs: [(String, String)]) {
        self.init()
        for (name, value) in pairs { add(name: SIPHeaderName(name), value: value) }
    }

    /// How many header lines there are.
    public var count: Int { entries.count }
    /// Whether there are no header lines at all.
    public var isEmpty: Bool { entries.isEmpty }

    // MARK: Reading

    /// The name of the header line at `index`, as written.
    public func name(at index: Int) -> String {
        let e = entries[index]
        return String(decoding: rawBytes(e.nameStart, e.nameLength), as: UTF8.self)
    }

    /// The value of the header line at `index`, with folding removed.
    public func value(at index: Int) -> String {
        withValueBytes(at: index) { String(decoding: $0, as: UTF8.self) }
    }

    /// The parsed name of the header line at `index` (known headers compare by identity).
    public func headerName(at index: Int) -> SIPHeaderName {
        let e = entries[index]
        if let k = e.knownName { return SIPHeaderName(known: k) }
        return SIPHeaderName(name(at: index))
    }

    /// Every value of the lines with this name, in order (one element per line, not split at commas).
    public func values(for name: SIPHeaderName) -> [String] {
        indices(of: name).map { value(at: $0) }
    }

    /// The value of the first line with this name.
    public func first(_ name: SIPHeaderName) -> String? {
        firstIndex(of: name).map { value(at: $0) }
    }

    /// Whether a line with this name is present.
    public func contains(_ name: SIPHeaderName) -> Bool { firstIndex(of: name) != nil }

    /// Values by name string, e.g. `headers["via"]` or `headers["v"]`.
    public subscript(name: String) -> [String] { values(for: SIPHeaderName(name)) }

    @inlinable
    func matches(_ entry: Entry, _ name: SIPHeaderName) -> Bool {
        if let k = name.known { return entry.known == k.rawValue }
        guard entry.known == Entry.unknownName else { return false }
        let target = name.rawName.utf8
        guard target.count == Int(entry.nameLength) else { return false }
        let raw = rawBytes(entry.nameStart, entry.nameLength)
        var i = 0
        for b in target {
            if raw[i].asciiLowercased != b.asciiLowercased { return false }
            i += 1
        }
        return true
    }

    @inlinable
    func firstIndex(of name: SIPHeaderName) -> Int? {
        entries.firstIndex { matches($0, name) }
    }

    @inlinable
    func indices(of name: SIPHeaderName) -> [Int] {
        entries.indices.filter { matches(entries[$0], name) }
    }

    @inlinable
    func firstIndex(of known: SIPHeaderName.Known) -> Int? {
        let raw = known.rawValue
        return entries.firstIndex { $0.known == raw }
    }

    /// 1-based source line of the header at `index` (nil for headers added in code).
    func sourceLine(at index: Int) -> Int? {
        let l = entries[index].line
        return l > 0 ? Int(l) : nil
    }

    /// Calls `body` with the value's bytes; a folded value is unfolded into a temporary first.
    @inlinable
    func withValueBytes<T>(at index: Int, _ body: (UnsafeRawBufferPointer) throws(SIPParseError) -> T)
        throws(SIPParseError) -> T
    {
        let e = entries[index]
        let slice = rawBytes(e.valueStart, e.valueLength)
        if !e.folded { return try body(slice) }
        return try withArrayBytes(Self.unfold(slice), body)
    }

    @inlinable
    func withValueBytes<T>(at index: Int, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        let e = entries[index]
        let slice = rawBytes(e.valueStart, e.valueLength)
        if !e.folded { return body(slice) }
        return Self.unfold(slice).withUnsafeBytes { body($0) }
    }

    /// RFC 3261 §7.3.1: a line end followed by whitespace is equivalent to one SP.
    ///
    /// A line end is what the parser split lines at: CRLF, or LF alone. A lone CR is not one, so it stays
    /// a byte of the value; unfolding it into SP would give a value the written message cannot reproduce.
    @usableFromInline
    static func unfold(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        @inline(__always) func lineEndLength(at i: Int) -> Int {
            if bytes[i] == .lf { return 1 }
            return bytes[i] == .cr && i + 1 < bytes.count && bytes[i + 1] == .lf ? 2 : 0
        }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if lineEndLength(at: i) > 0 {
                while let last = out.last, last.isSIPWhitespace { out.removeLast() }
                var j = i
                while j < bytes.count {
                    let n = bytes[j].isSIPWhitespace ? 1 : lineEndLength(at: j)
                    guard n > 0 else { break }
                    j += n
                }
                out.append(.space)
                i = j
            } else {
                out.append(b)
                i += 1
            }
        }
        return out
    }

    // MARK: Changing

    /// Appends a header line. CR and LF in the value become spaces, so a value can never inject lines.
    public mutating func add(name: SIPHeaderName, value: String) {
        reserveForFirstLine()
        let nameStart = storage.writerIndex
        var nameText = name.canonicalName
        var value = value
        // Name and value in one write over contiguous bytes (a native String's are): every ByteBuffer
        // write checks capacity, uniqueness and exclusivity (≈ 300 instructions), and the UTF-8
        // view's iterator cost more than the write itself. CR and LF become spaces.
        let (nameLength, valueLength) = nameText.withUTF8 { n in
            value.withUTF8 { v in
                storage.writeWithUnsafeMutableBytes(minimumWritableBytes: n.count + v.count) { out in
                    UnsafeMutableRawBufferPointer(rebasing: out[..<n.count]).copyMemory(from: UnsafeRawBufferPointer(n))
                    let dest = UnsafeMutableRawBufferPointer(rebasing: out[n.count..<(n.count + v.count)])
                    dest.copyMemory(from: UnsafeRawBufferPointer(v))
                    for i in 0..<v.count where v[i] == .cr || v[i] == .lf { dest[i] = .space }
                    return n.count + v.count
                }
                return (n.count, v.count)
            }
        }
        refreshBase()
        entries.append(
            Entry(
                nameStart: Int32(nameStart), nameLength: Int32(nameLength), valueStart: Int32(nameStart + nameLength),
                valueLength: Int32(valueLength), line: 0, known: name.known?.rawValue ?? Entry.unknownName,
                folded: false))
        noteAdded(name.known?.rawValue ?? Entry.unknownName)
    }

    /// Appends a copy of the line at `index` of `other`, value bytes copied as they are (unfolded
    /// when folded), then `suffix`; a known name is written in its canonical form, as ``add(name:value:)``
    /// does. Building a response from its request this way makes no `String` of the values, and
    /// writes the line in one ByteBuffer write.
    package mutating func append(lineAt index: Int, of other: SIPHeaders, suffix: String = "") {
        reserveForFirstLine()
        let e = other.entries[index]
        let nameStart = storage.writerIndex
        let known = e.knownName
        var knownText = known?.canonicalName ?? ""
        var suffix = suffix
        let (nameLength, valueLength) = knownText.withUTF8 { k in
            suffix.withUTF8 { s in
                other.withValueBytes(at: index) { value in
                    let name = known == nil ? other.rawBytes(e.nameStart, e.nameLength) : UnsafeRawBufferPointer(k)
                    let total = name.count + value.count + s.count
                    storage.writeWithUnsafeMutableBytes(minimumWritableBytes: total) { out in
                        let valueEnd = name.count + value.count
                        UnsafeMutableRawBufferPointer(rebasing: out[..<name.count]).copyMemory(from: name)
                        UnsafeMutableRawBufferPointer(rebasing: out[name.count..<valueEnd]).copyMemory(from: value)
                        UnsafeMutableRawBufferPointer(rebasing: out[valueEnd..<total]).copyMemory(
                            from: UnsafeRawBufferPointer(s))
                        return total
                    }
                    return (name.count, value.count + s.count)
                }
            }
        }
        refreshBase()
        entries.append(
            Entry(
                nameStart: Int32(nameStart), nameLength: Int32(nameLength), valueStart: Int32(nameStart + nameLength),
                valueLength: Int32(valueLength), line: 0, known: e.known, folded: false))
        noteAdded(e.known)
    }

    /// Room for a message built in code, taken when its first line is added: growing the storage
    /// 16, 32, … 256 bytes and the line list 1, 2, 4, 8 reallocated both at every step.
    @inlinable mutating func reserveForFirstLine() {
        guard entries.isEmpty, entries.capacity == 0 else { return }
        entries.reserveCapacity(Self.linesReservedForBuilding)
        if storage.capacity == 0 { storage.reserveCapacity(Self.bytesReservedForBuilding) }
    }

    /// Lines a message built in code gets room for at once (a request's mandatory headers and a few).
    @usableFromInline static let linesReservedForBuilding = 10
    /// Bytes of names and values a message built in code gets room for at once.
    @usableFromInline static let bytesReservedForBuilding = 384

    /// Appends a header line with a known name.
    public mutating func add(_ name: SIPHeaderName, _ value: String) { add(name: name, value: value) }

    /// Inserts a header line before every other (for example the new top Via).
    public mutating func prepend(_ name: SIPHeaderName, _ value: String) {
        add(name: name, value: value)
        let e = entries.removeLast()
        entries.insert(e, at: 0)
    }

    /// Removes every line with this name.
    public mutating func remove(_ name: SIPHeaderName) {
        let keep = entries.filter { !matches($0, name) }
        entries = keep
    }

    /// Removes the line at `index`.
    public mutating func remove(at index: Int) { entries.remove(at: index) }

    /// Replaces every line with this name by one line with `value`, keeping the first one's position.
    public mutating func replaceOrAdd(_ name: SIPHeaderName, _ value: String) {
        guard let first = firstIndex(of: name) else {
            add(name: name, value: value)
            return
        }
        add(name: name, value: value)
        let e = entries.removeLast()
        entries[first] = e
        var i = entries.count - 1
        while i > first {
            if matches(entries[i], name) { entries.remove(at: i) }
            i -= 1
        }
    }
}

extension SIPHeaders: Sequence {
    public struct Iterator: IteratorProtocol {
        let headers: SIPHeaders
        var index = 0
        public mutating func next() -> (name: String, value: String)? {
            guard index < headers.count else { return nil }
            defer { index += 1 }
            return (headers.name(at: index), headers.value(at: index))
        }
    }
    public func makeIterator() -> Iterator { Iterator(headers: self) }
}

extension SIPHeaders: Equatable {
    /// Same lines, same order; names compared case-insensitively, values byte for byte (unfolded).
    public static func == (lhs: SIPHeaders, rhs: SIPHeaders) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for i in 0..<lhs.count {
            guard lhs.headerName(at: i) == rhs.headerName(at: i), lhs.value(at: i) == rhs.value(at: i) else {
                return false
            }
        }
        return true
    }
}

/// The address of a header storage's readable bytes (see ``SIPHeaders/base``). Sendable because the
/// bytes it points to are never written while it is in use: a write to the storage replaces it.
@usableFromInline
struct StorageBase: @unchecked Sendable {
    @usableFromInline let pointer: UnsafeRawPointer?

    @inlinable init(_ storage: ByteBuffer) {
        pointer = storage.withUnsafeReadableBytes { $0.baseAddress }
    }
}
