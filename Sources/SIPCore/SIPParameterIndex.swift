// Where each parameter of a list lies, noted while the list is validated, so reading the parameters
// (``SIPMessage/forEachParameter(in:_:)``, ``SIPMessage/parameter(_:in:)``, the value types) does not
// walk the text a second time. The first four parameters are noted when they lie within 255 bytes of
// the list's start; a list with more is walked from the end of the fourth (digest credentials have
// nine), and a list whose first four reach further is walked whole, as before.

/// The positions of up to ``capacity`` parameters, as byte offsets from the start of their list's text.
struct SIPParameterIndex: Sendable {
    /// How many parameters an index holds.
    static var capacity: Int { 4 }

    /// Per parameter, 32 bits: name offset, name length, value offset (0: no value; a value never
    /// starts a list, a name does) and value length, one byte each; parameters 0 and 1 in `low`, 2
    /// and 3 in `high` (two words: an `InlineArray` cost a call to initialise and a check per access).
    private var low: UInt64
    private var high: UInt64
    /// How many slots are used; ``unindexed`` when the list must be walked instead.
    private(set) var count: UInt8
    /// Where the parameters after the noted ones start (the end of the last noted one); 0 when there
    /// are none.
    private(set) var resume: UInt8
    /// The end of the last noted parameter.
    private var lastEnd: UInt8 = 0

    static var unindexed: UInt8 { .max }

    /// An index that holds nothing: the list is walked when read.
    static var none: SIPParameterIndex { SIPParameterIndex(count: unindexed) }

    /// An empty index, for a list being validated (``add(name:value:)`` fills it).
    static var empty: SIPParameterIndex { SIPParameterIndex(count: 0) }

    private init(count: UInt8) {
        self.low = 0
        self.high = 0
        self.count = count
        self.resume = 0
    }

    /// An index from the parts ``SIPParameterList`` keeps.
    init(count: UInt8, resume: UInt8, words: (UInt64, UInt64)) {
        self.low = words.0
        self.high = words.1
        self.count = count
        self.resume = resume
    }

    /// The two words of slots.
    var words: (UInt64, UInt64) { (low, high) }

    var isIndexed: Bool { count != Self.unindexed }

    /// Notes a parameter whose name spans `name` and value `value` (nil: a bare name), offsets from
    /// the list's start. One that does not fit turns the index off.
    @inline(__always)
    mutating func add(name: Range<Int>, value: Range<Int>?) {
        guard count < UInt8(Self.capacity) else {
            // Full (the rest is walked from the end of the last noted one) or off.
            if count != Self.unindexed, resume == 0 { resume = lastEnd }
            return
        }
        let end = value?.upperBound ?? name.upperBound
        guard end <= 255 else {
            count = Self.unindexed
            return
        }
        lastEnd = UInt8(truncatingIfNeeded: end)
        let v = value ?? 0..<0
        let slot =
            UInt64(truncatingIfNeeded: name.lowerBound) | UInt64(truncatingIfNeeded: name.count) << 8
            | UInt64(truncatingIfNeeded: v.lowerBound) << 16 | UInt64(truncatingIfNeeded: v.count) << 24
        let shift = UInt64(count & 1) << 5
        if count < 2 { low |= slot << shift } else { high |= slot << shift }
        count += 1
    }

    /// The name and value offsets of parameter `k` (below ``count``).
    @inline(__always)
    func entry(_ k: Int) -> (name: Range<Int>, value: Range<Int>?) {
        let s = UInt32(truncatingIfNeeded: (k < 2 ? low : high) >> (UInt64(k & 1) << 5))
        let nameStart = Int(s & 0xFF)
        let valueStart = Int(s >> 16 & 0xFF)
        let name = nameStart..<(nameStart + Int(s >> 8 & 0xFF))
        return (name, valueStart == 0 ? nil : valueStart..<(valueStart + Int(s >> 24)))
    }
}

extension SIPParameterList {
    /// Calls `body` with each parameter's name and value offsets in `bytes` (the list's text), from
    /// the index when there is one, else by walking the text (``scan(_:kind:_:)``), until it returns false.
    @inline(__always)
    func forEachEntry(in bytes: UnsafeRawBufferPointer, _ body: (Range<Int>, Range<Int>?) -> Bool) {
        guard index.isIndexed else {
            Self.scan(bytes, kind: kind, body)
            return
        }
        for k in 0..<Int(index.count) {
            let (name, value) = index.entry(k)
            if !body(name, value) { return }
        }
        guard index.resume > 0 else { return }
        // The rest from the end of the last noted parameter: it starts at a separator, which the walk
        // of `header` lists skips whatever it is (`,` between credentials), as `uri` lists skip `;`.
        let shift = Int(index.resume)
        Self.scan(UnsafeRawBufferPointer(rebasing: bytes[shift...]), kind: kind == .uri ? .uri : .header) {
            name, value in
            body(
                (name.lowerBound + shift)..<(name.upperBound + shift),
                value.map { ($0.lowerBound + shift)..<($0.upperBound + shift) })
        }
    }
}
