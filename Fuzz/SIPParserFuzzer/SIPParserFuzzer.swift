import NIOCore
import SIPCore

// libFuzzer entry point for SIPCore's parser. Each input is used four ways:
// as a datagram (strict and with bare LFs), as a TCP stream drip-fed in chunks, and as a URI. A trap
// anywhere in SIPCore is a bug; so is a parsed message whose serialization does not parse back to
// the same meaning, which this target turns into a crash with fatalError so libFuzzer keeps the input.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    var buffer = ByteBuffer()
    buffer.writeBytes(bytes)

    for options in [SIPParserOptions.default, SIPParserOptions(acceptsBareLineFeeds: true)] {
        if let message = try? SIPMessage(parsing: buffer, options: options, framing: .datagram) {
            exercise(message, options: options, framing: .datagram)
        }
    }
    frameAsStream(buffer, chunkSeed: bytes.first ?? 0)
    parseAsURI(buffer)
    return 0
}

/// Reads everything a caller could read from a parsed message, then checks that it round-trips.
func exercise(_ message: SIPMessage, options: SIPParserOptions, framing: SIPMessageFraming) {
    let validated = (try? message.validate()) != nil
    readEveryAccessor(message)
    roundTrip(message, options: options, framing: framing, validated: validated)
}

/// Every typed accessor and the values' derived properties and descriptions: each may throw, none may trap.
func readEveryAccessor(_ m: SIPMessage) {
    var sink = 0
    func use(_ s: some CustomStringConvertible) { sink &+= s.description.utf8.count }

    use(m.description)
    _ = m.text
    _ = m.bodyText
    _ = m.usedBareLineFeeds
    for (name, value) in m.headers { sink &+= name.utf8.count &+ value.utf8.count }
    for i in 0..<m.headers.count { use(m.headers.headerName(at: i)) }
    if let uri = m.requestURI { useURI(uri, &sink) }

    if let vias = try? m.via {
        for v in vias {
            use(v)
            _ = (v.branch, v.received, v.maddr, v.ttl, v.rport, v.hasRPort, v.sentBy)
        }
    }
    if let v = try? m.topVia { use(v) }
    for a in [try? m.from, try? m.to, try? m.referTo, try? m.referredBy].compactMap({ $0 }) { useAddress(a, &sink) }
    _ = try? m.callID
    if let c = try? m.cseq { use(c) }
    _ = try? m.maxForwards
    if let contacts = try? m.contacts {
        for c in contacts {
            use(c)
            _ = (c.expires, c.q, c.instance, c.regID)
            if let a = c.address { useAddress(a, &sink) }
        }
    }
    for a in (try? m.routes) ?? [] { useAddress(a, &sink) }
    for a in (try? m.recordRoutes) ?? [] { useAddress(a, &sink) }
    _ = try? m.expires
    _ = try? m.minExpires
    if let r = try? m.retryAfter { _ = (r.seconds, r.comment, r.duration, r.parameters) }
    let challenges = ((try? m.wwwAuthenticate) ?? []) + ((try? m.proxyAuthenticate) ?? [])
    let credentials = ((try? m.authorization) ?? []) + ((try? m.proxyAuthorization) ?? [])
    for a in challenges + credentials + [(try? m.authenticationInfo) ?? nil].compactMap({ $0 }) {
        use(a)
        _ = (a.isDigest, a.realm, a.nonce, a.opaque, a.algorithm, a.qopOptions, a.isStale, a.username, a.response)
    }
    if let t = try? m.contentType {
        use(t)
        _ = t.matches(.sdp)
    }
    for method in (try? m.allow) ?? [] { use(method) }
    for list in [try? m.supported, try? m.require, try? m.proxyRequire, try? m.unsupported] {
        for t in list ?? [] { sink &+= t.utf8.count }
    }
    if let s = try? m.sessionExpires { _ = (s.seconds, s.refresher) }
    if let e = try? m.event { _ = (e.type, e.id) }
    blackHole(sink)
}

func useAddress(_ a: SIPNameAddress, _ sink: inout Int) {
    sink &+= a.description.utf8.count
    _ = (a.displayName, a.tag)
    useURI(a.uri, &sink)
}

func useURI(_ uri: SIPURI, _ sink: inout Int) {
    sink &+= uri.description.utf8.count
    _ = (uri.transportParameter, uri.isLooseRouter, uri.hostWithoutBrackets)
}

/// A parsed message must serialize to bytes that parse again with the same start line, the same header
/// lines (Content-Length rewritten to the body's length, or added), and the same body.
func roundTrip(_ message: SIPMessage, options: SIPParserOptions, framing: SIPMessageFraming, validated: Bool) {
    let wire = message.serialized
    let again: SIPMessage
    do {
        again = try SIPMessage(parsing: wire, options: options, framing: framing)
    } catch {
        fatalError(
            "round trip: the serialization of a parsed message does not parse: \(error)\n\(String(buffer: wire))")
    }
    guard again.startLine == message.startLine else {
        fatalError("round trip: start line \(message.startLine) came back as \(again.startLine)")
    }
    let addedContentLength = message.headers.contains(.contentLength) ? 0 : 1
    guard again.headers.count == message.headers.count + addedContentLength else {
        fatalError("round trip: \(message.headers.count) header lines came back as \(again.headers.count)")
    }
    for i in 0..<message.headers.count where message.headers.headerName(at: i) != .contentLength {
        guard again.headers.headerName(at: i) == message.headers.headerName(at: i),
            again.headers.value(at: i) == message.headers.value(at: i)
        else {
            fatalError(
                "round trip: header \(i) \(message.headers.name(at: i)): \(message.headers.value(at: i)) "
                    + "came back as \(again.headers.name(at: i)): \(again.headers.value(at: i))")
        }
    }
    guard again.body == message.body else { fatalError("round trip: the body changed") }
    if validated {
        do { try again.validate() } catch {
            fatalError("round trip: a message that validated no longer does: \(error)")
        }
    }
}

/// Drip-feeds the input to a stream framer in chunks of varying size, taking every frame it offers.
func frameAsStream(_ input: ByteBuffer, chunkSeed: UInt8) {
    var framer = SIPStreamFramer()
    var pending = ByteBuffer()
    var source = input
    // A small LCG from the first byte picks chunk sizes of 1–64 bytes, so each input also tries one way
    // of splitting itself across reads.
    var state = UInt32(chunkSeed) &* 2_654_435_761 &+ 1
    func nextChunkSize() -> Int {
        state = state &* 1_103_515_245 &+ 12345
        return Int((state >> 16) % 64) + 1
    }
    while true {
        let atEnd = source.readableBytes == 0
        if !atEnd, var chunk = source.readSlice(length: min(nextChunkSize(), source.readableBytes)) {
            pending.writeBuffer(&chunk)
        }
        drain: while true {
            let before = pending.readableBytes
            let frame: SIPStreamFramer.Frame
            do {
                frame = try framer.next(from: &pending)
            } catch {
                return  // the stream cannot be resynchronised: the connection would be closed
            }
            switch frame {
            case .needMoreData:
                break drain
            case .message(let m):
                exercise(m, options: framer.options, framing: .stream)
            case .ping, .pong:
                break
            }
            guard pending.readableBytes < before else {
                fatalError("stream framer returned \(frame) without consuming bytes")
            }
        }
        if atEnd { return }
    }
}

/// The input as a URI: it must not trap, and a URI that parses must parse again from its description.
func parseAsURI(_ input: ByteBuffer) {
    let text = String(buffer: input)
    guard let uri = try? SIPURI(text) else { return }
    var sink = 0
    useURI(uri, &sink)
    blackHole(sink)
    let written = uri.description
    let again: SIPURI
    do { again = try SIPURI(written) } catch {
        fatalError("URI round trip: \(written) (from \(text)) does not parse: \(error)")
    }
    guard again == uri else { fatalError("URI round trip: \(text) → \(written) → \(again)") }
}

@inline(never)
func blackHole(_ value: Int) {
    if value == -1 { print("") }
}
