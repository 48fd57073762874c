import NIOCore

/// The transport layer's two rewrites of the top Via, done on its bytes: filling sent-by on a request
/// it sends (RFC 3261 §18.1.1) and stamping `received`/`rport` on a request it receives (§18.2.1,
/// RFC 3581 §4). Parsing the value into a ``SIPVia`` and printing it back allocated a String per
/// field and parameter on every transaction; these edit the line in place instead. Everything not
/// edited (other via-params, their order and spelling, other values on the same line) stays as written.
extension SIPMessage {
    /// §18.1.1: sets the top Via's transport to `transport` and its sent-by to `host` (IPv6 in
    /// brackets) and `port` (nil: none written). Does nothing when the value already says exactly
    /// that. Throws when there is no Via or the top value is malformed (``topViaView``'s errors).
    package mutating func setTopViaSentBy(transport: String, host: String, port: Int?) throws(SIPParseError) {
        guard let index = headers.firstIndex(of: SIPHeaderName.Known.via) else {
            throw SIPParseError(.missingHeader, "missing Via header")
        }
        let found = try headers.topViaOffsets(at: index, transport: transport, host: host, port: port)
        guard let offsets = found else { return }
        let portText = port.map(String.init) ?? ""
        headers.editValue(
            at: index,
            SIPHeaders.ValueEdit(range: offsets.transport, prefix: "", text: transport),
            SIPHeaders.ValueEdit(range: offsets.sentBy, prefix: "", text: host, colon: port != nil, suffix: portText))
    }

    /// Writes the message as ``write(into:)`` does with its top Via's transport and sent-by set as
    /// ``setTopViaSentBy(transport:host:port:)`` sets them, leaving the message as it is: a transport
    /// fills sent-by in every request it sends (§18.1.1), and editing a copy of a message the
    /// transaction still holds copied its header storage and line list first.
    package func write(into buffer: inout ByteBuffer, topViaTransport transport: String, host: String, port: Int?)
        throws(SIPParseError)
    {
        guard let index = headers.firstIndex(of: SIPHeaderName.Known.via) else {
            throw SIPParseError(.missingHeader, "missing Via header")
        }
        guard let offsets = try headers.topViaOffsets(at: index, transport: transport, host: host, port: port) else {
            write(into: &buffer)
            return
        }
        let portText = port.map(String.init) ?? ""
        headers.editedValue(
            at: index,
            SIPHeaders.ValueEdit(range: offsets.transport, prefix: "", text: transport),
            SIPHeaders.ValueEdit(range: offsets.sentBy, prefix: "", text: host, colon: port != nil, suffix: portText)
        ) { value in
            write(into: &buffer, replacingValueAt: index, with: value)
        }
    }

    /// §18.2.1 and RFC 3581 §4: sets the top Via's `received` (when given) and `rport` (when given)
    /// parameters, each in place of the first parameter of that name (a bare `rport` gets its value)
    /// or, when absent, appended after the value's last parameter, `received` first. Throws when
    /// there is no Via or the top value is malformed.
    package mutating func stampTopVia(received: String?, rport: Int?) throws(SIPParseError) {
        guard received != nil || rport != nil else { return }
        guard let index = headers.firstIndex(of: SIPHeaderName.Known.via) else {
            throw SIPParseError(.missingHeader, "missing Via header")
        }
        let places = try headers.topViaParameterPlaces(at: index)
        func edit(_ place: (name: Range<Int>, value: Range<Int>?)?, _ name: StaticString, _ text: String)
            -> SIPHeaders.ValueEdit
        {
            guard let place else { return SIPHeaders.ValueEdit(at: places.end, prefix: name, text: text) }
            if let value = place.value { return SIPHeaders.ValueEdit(range: value, prefix: "", text: text) }
            return SIPHeaders.ValueEdit(at: place.name.upperBound, prefix: "=", text: text)
        }
        let first = received.map { edit(places.received, ";received=", $0) }
        let second = rport.map { edit(places.rport, ";rport=", String($0)) }
        if let first, let second {
            // Ascending by position; at the same place a value given to a bare name goes before
            // an appended parameter (`;rport` last gets `=port`, then `;received=` follows), and two
            // appended ones keep received first.
            func key(_ e: SIPHeaders.ValueEdit) -> (Int, Int) { (e.range.lowerBound, e.appends ? 1 : 0) }
            if key(second) < key(first) {
                headers.editValue(at: index, second, first)
            } else {
                headers.editValue(at: index, first, second)
            }
        } else if let only = first ?? second {
            headers.editValue(at: index, only, nil)
        }
    }
}

extension SIPHeaders {
    /// One change to a header value: the bytes at `range` (offsets in the unfolded value) become
    /// `prefix`, `text`, then `:` when `colon`, then `suffix`.
    package struct ValueEdit {
        var range: Range<Int>
        var prefix: StaticString
        var text: String
        var colon = false
        var suffix = ""

        init(range: Range<Int>, prefix: StaticString, text: String, colon: Bool = false, suffix: String = "") {
            self.range = range
            self.prefix = prefix
            self.text = text
            self.colon = colon
            self.suffix = suffix
        }

        /// An insertion at `offset`.
        init(at offset: Int, prefix: StaticString, text: String) {
            self.init(range: offset..<offset, prefix: prefix, text: text)
        }

        /// A new parameter (its prefix starts with `;`) rather than a value in place.
        var appends: Bool { prefix.utf8CodeUnitCount > 0 && prefix.utf8Start.pointee == UInt8(ascii: ";") }

        var insertedCount: Int { prefix.utf8CodeUnitCount + text.utf8.count + (colon ? 1 : 0) + suffix.utf8.count }
    }

    /// Replaces line `index`'s value by itself with `first` and then `second` applied (ranges in
    /// ascending order, not overlapping). The new value is built on the stack and appended to the
    /// storage once; the line keeps its position, name and source line number.
    mutating func editValue(at index: Int, _ first: ValueEdit, _ second: ValueEdit?) {
        let capacity = withValueBytes(at: index) { $0.count } + first.insertedCount + (second?.insertedCount ?? 0)
        withUnsafeTemporaryAllocation(byteCount: capacity, alignment: 1) { out in
            // A writer passed inout, not a counter captured by nested functions: a captured var
            // is boxed and every access to it checked for exclusivity at run time.
            var w = ValueWriter(out: out)
            withValueBytes(at: index) { w.write($0, first, second) }
            let valueStart = storage.writerIndex
            storage.writeBytes(UnsafeRawBufferPointer(rebasing: out[0..<w.n]))
            refreshBase()
            entries[index].valueStart = Int32(valueStart)
            entries[index].valueLength = Int32(w.n)
            entries[index].folded = false
        }
    }

    /// Calls `body` with line `index`'s value (unfolded) with `first` and then `second` applied,
    /// built on the stack; the header list is left as it is.
    func editedValue<T>(
        at index: Int, _ first: ValueEdit, _ second: ValueEdit?, _ body: (UnsafeRawBufferPointer) -> T
    ) -> T {
        let capacity = withValueBytes(at: index) { $0.count } + first.insertedCount + (second?.insertedCount ?? 0)
        return withUnsafeTemporaryAllocation(byteCount: capacity, alignment: 1) { out in
            var w = ValueWriter(out: out)
            withValueBytes(at: index) { w.write($0, first, second) }
            return body(UnsafeRawBufferPointer(rebasing: out[0..<w.n]))
        }
    }

    /// Writes an edited value into a temporary buffer (see ``editValue(at:_:_:)``).
    private struct ValueWriter {
        let out: UnsafeMutableRawBufferPointer
        var n = 0

        mutating func put(_ bytes: UnsafeRawBufferPointer) {
            guard !bytes.isEmpty else { return }
            UnsafeMutableRawBufferPointer(rebasing: out[n..<(n + bytes.count)]).copyMemory(from: bytes)
            n += bytes.count
        }

        mutating func put(_ text: String) {
            var t = text
            t.withUTF8 { put(UnsafeRawBufferPointer($0)) }
        }

        /// Writes `old` with `first` and then `second` applied.
        mutating func write(_ old: UnsafeRawBufferPointer, _ first: ValueEdit, _ second: ValueEdit?) {
            var from = 0
            apply(first, old, &from)
            if let second { apply(second, old, &from) }
            put(UnsafeRawBufferPointer(rebasing: old[from...]))
        }

        /// Copies `old` from `from` up to the edit, then the edit's bytes; `from` moves past the edited range.
        mutating func apply(_ edit: ValueEdit, _ old: UnsafeRawBufferPointer, _ from: inout Int) {
            put(UnsafeRawBufferPointer(rebasing: old[from..<edit.range.lowerBound]))
            put(UnsafeRawBufferPointer(start: edit.prefix.utf8Start, count: edit.prefix.utf8CodeUnitCount))
            put(edit.text)
            if edit.colon { put(UnsafeRawBufferPointer(start: Self.colon.utf8Start, count: 1)) }
            put(edit.suffix)
            from = edit.range.upperBound
        }

        static let colon: StaticString = ":"
    }

    /// Parses the top value of Via line `index` and, unless its transport and sent-by already read
    /// `transport`, `host` and `port`, returns where the transport and the sent-by (host through port)
    /// lie in the unfolded value.
    func topViaOffsets(at index: Int, transport: String, host: String, port: Int?) throws(SIPParseError)
        -> (transport: Range<Int>, sentBy: Range<Int>)?
    {
        try withParsedTopVia(at: index) { (bytes, via) -> (transport: Range<Int>, sentBy: Range<Int>)? in
            let t = Int(via.transport.start)..<Int(via.transport.start + via.transport.count)
            let sentBy = Int(via.host.start)..<Int(via.parameters.range.start)
            let h = Int(via.host.start)..<Int(via.host.start + via.host.count)
            if via.port == port, Self.equal(bytes, t, transport), Self.equal(bytes, h, host) { return nil }
            return (t, sentBy)
        }
    }

    /// Parses the top value of Via line `index` and returns where its first `received` and first
    /// `rport` parameters lie (name, and value when written) and where its parameters end, as offsets
    /// in the unfolded value. Parameter names compare ASCII case-insensitively (§7.3.1).
    func topViaParameterPlaces(at index: Int) throws(SIPParseError) -> (
        received: (name: Range<Int>, value: Range<Int>?)?, rport: (name: Range<Int>, value: Range<Int>?)?, end: Int
    ) {
        try withParsedTopVia(at: index) { (bytes, via) in
            let start = Int(via.parameters.range.start)
            let end = start + Int(via.parameters.range.count)
            var received: (name: Range<Int>, value: Range<Int>?)?
            var rport: (name: Range<Int>, value: Range<Int>?)?
            let text = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
            SIPParameterList.scan(text, kind: .header) { name, value in
                let n = UnsafeRawBufferPointer(rebasing: text[name])
                let place = (
                    name: (name.lowerBound + start)..<(name.upperBound + start),
                    value: value.map {
                        ($0.lowerBound + start)..<($0.upperBound + start)
                    }
                )
                if received == nil, n.count == 8, bytesEqualCaseInsensitive(n, "received") { received = place }
                if rport == nil, n.count == 5, bytesEqualCaseInsensitive(n, "rport") { rport = place }
                return received == nil || rport == nil
            }
            return (received, rport, end)
        }
    }

    /// Runs `body` with the unfolded value of Via line `index` and its top value parsed, ranges
    /// counted from the start of those bytes.
    private func withParsedTopVia<T>(at index: Int, _ body: (UnsafeRawBufferPointer, SIPViaView) -> T)
        throws(SIPParseError) -> T
    {
        do {
            return try withValueBytes(at: index) { (bytes) throws(SIPParseError) -> T in
                var c = ByteCursor(bytes)
                c.skipWhitespace()
                let via = try SIPViaView.parse(&c, base: ViewBase(offset: 0, origin: -1))
                return body(bytes, via)
            }
        } catch {
            throw error.at(line: sourceLine(at: index))
        }
    }

    private static func equal(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ text: String) -> Bool {
        var t = text
        return t.withUTF8 { $0.elementsEqual(bytes[range]) }
    }
}
