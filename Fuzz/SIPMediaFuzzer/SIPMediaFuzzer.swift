import NIOCore
import SIPMedia

// libFuzzer entry point for what the network hands SIPMedia (no media packet from the network
// may crash the process or grow memory without bound). The first byte picks a reader, the rest is its
// input. A trap anywhere in SIPMedia is a bug; so is a parsed value whose serialization does not read back
// equal, a jitter buffer past its capacity, or statistics out of their range: this target turns those
// into crashes with fatalError so libFuzzer keeps the input.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let selector = data[0]
    let input = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch selector % 6 {
    case 0: fuzzRTP(input)
    case 1: fuzzRTCP(input)
    case 2: fuzzTelephoneEvent(input)
    case 3: fuzzSDP(input)
    case 4: fuzzWAV(input)
    default: fuzzStream(input)
    }
    return 0
}

/// RFC 3550 §5.1: a parsed packet serializes to bytes that parse to the same packet.
func fuzzRTP(_ bytes: [UInt8]) {
    guard let packet = try? RTPPacket(parsing: bytes) else { return }
    let wire = packet.serialized()
    let again: RTPPacket
    do { again = try RTPPacket(parsing: wire) } catch {
        fatalError("RTP round trip: the serialization of a parsed packet does not parse: \(error)")
    }
    guard again == packet else { fatalError("RTP round trip: \(packet) came back as \(again)") }
    // Padding octets before the count are written as zeros, so only a packet read without padding must
    // come back byte for byte.
    if packet.paddingCount == 0, wire != bytes {
        fatalError("RTP round trip: an unpadded packet did not serialize to the bytes it came from")
    }
}

/// A parsed compound packet serializes to bytes that parse to the same reports, SDES chunks and BYE.
/// Skipped packet types (APP, feedback, XR…) are not written back, so they are left out of the comparison.
func fuzzRTCP(_ bytes: [UInt8]) {
    guard var compound = try? RTCPCompoundPacket(parsing: bytes) else { return }
    compound.skippedPacketTypes = []
    let wire = compound.serialized()
    let again: RTCPCompoundPacket
    do { again = try RTCPCompoundPacket(parsing: wire) } catch {
        fatalError("RTCP round trip: the serialization of a parsed compound packet does not parse: \(error)")
    }
    guard again == compound else { fatalError("RTCP round trip: \(compound) came back as \(again)") }
}

/// RFC 4733 §2.3: the four octets read back the same once the reserved R bit is cleared.
func fuzzTelephoneEvent(_ bytes: [UInt8]) {
    guard let event = try? TelephoneEvent(parsing: bytes) else { return }
    let wire = event.serialized()
    guard wire.count == 4, wire[0] == bytes[0], wire[1] == bytes[1] & 0xBF, wire[2] == bytes[2], wire[3] == bytes[3]
    else { fatalError("telephone-event round trip: \(bytes.prefix(4)) came back as \(wire)") }
    guard (try? TelephoneEvent(parsing: wire)) == event else { fatalError("telephone-event round trip: \(event)") }
    _ = event.dtmf
}

/// An SDP body from an INVITE or a re-INVITE: parsed, written back and read again, then answered as an
/// offer; whatever was negotiated must make a stream that runs.
func fuzzSDP(_ bytes: [UInt8]) {
    guard let description = try? SessionDescription(parsing: bytes) else { return }
    let text = description.text
    let again: SessionDescription
    do { again = try SessionDescription(parsing: text) } catch {
        fatalError("SDP round trip: the serialization of a parsed description does not parse: \(error)\n\(text)")
    }
    // The serializer puts kept lines back in the slot RFC 4566 §5 gives their type letter, so lines a peer
    // sent out of order come back in order: compare them as sets of lines, and demand that a second
    // round trip changes nothing at all.
    guard normalized(again) == normalized(description) else {
        fatalError("SDP round trip: \(description) came back as \(again)\n\(text)")
    }
    guard again.text == text else { fatalError("SDP round trip: not a fixed point\n\(text)\n---\n\(again.text)") }
    _ = description.direction
    for media in description.media {
        _ = (description.connection(of: media), description.direction(of: media))
    }

    var session = OfferAnswerSession(
        configuration: MediaConfiguration(localAddress: "127.0.0.1", rtpPort: 40000), sessionID: 1)
    guard let (answer, negotiated) = try? session.receiveOffer(description) else { return }
    do { _ = try SessionDescription(parsing: answer.text) } catch {
        fatalError("SDP answer: our own answer does not parse: \(error)\n\(answer.text)")
    }
    var stream = MediaStream(
        configuration: MediaStreamConfiguration(negotiated: negotiated, cname: "fuzz@example"),
        ssrc: 0x1234, sequenceNumber: 1, timestamp: 0, now: at(0))
    for slot in 0..<4 {
        _ = stream.nextSlot()
        _ = stream.playout(now: at(Int64(slot) * 20))
    }
    // No packet arrived: the target is the one the SDP named.
    checkInvariants(stream, now: at(80), mediaHost: stream.configuration.remoteRTP?.ipAddress)
}

/// `otherFields` in one canonical order, session and media alike.
func normalized(_ description: SessionDescription) -> SessionDescription {
    func sorted(_ fields: [SDPField]) -> [SDPField] {
        fields.sorted { ($0.type, $0.value) < ($1.type, $1.value) }
    }
    var copy = description
    copy.otherFields = sorted(copy.otherFields)
    for index in copy.media.indices { copy.media[index].otherFields = sorted(copy.media[index].otherFields) }
    return copy
}

/// A WAV file (a prompt to play, a recording read back): decoding may refuse, never trap.
func fuzzWAV(_ bytes: [UInt8]) {
    guard let file = try? WAVFile(decoding: bytes) else { return }
    guard (try? WAVFile(decoding: file.encoded())) == file else { fatalError("WAV round trip: samples changed") }
}

// MARK: A stream fed by the network

let peer = try! SocketAddress(ipAddress: "127.0.0.2", port: 40000)
/// The peer's host on another port (symmetric RTP may follow it) and another host (never followed).
let natPort = try! SocketAddress(ipAddress: "127.0.0.2", port: 50000)
let stranger = try! SocketAddress(ipAddress: "127.0.0.3", port: 50000)

func at(_ ms: Int64) -> NIODeadline { .uptimeNanoseconds(UInt64(1_000_000_000 + ms * 1_000_000)) }

/// The input becomes a script of up to 512 steps. Each step's first byte chooses what happens (its low
/// two bits) and a parameter (the rest): an RTP datagram, an RTCP datagram, a playout slot, or time
/// passing. A datagram's length is the next byte, its bytes follow. Between steps the stream's bounds
/// are checked.
func fuzzStream(_ input: [UInt8]) {
    let configuration = MediaStreamConfiguration(
        codec: .pcmu, telephoneEventPayloadType: 101, direction: .sendrecv, remoteRTP: peer,
        remoteRTCP: try? SocketAddress(ipAddress: "127.0.0.2", port: 40001), cname: "fuzz@example",
        inactivityTimeout: .seconds(30))
    var stream = MediaStream(
        configuration: configuration, ssrc: 0x1111, sequenceNumber: 65000, timestamp: 0, now: at(0))
    var offset = 0
    var ms: Int64 = 0
    var steps = 0
    func take(_ count: Int) -> [UInt8] {
        let end = min(input.count, offset + count)
        defer { offset = end }
        return Array(input[offset..<end])
    }
    while offset < input.count, steps < 512 {
        steps += 1
        let op = input[offset]
        offset += 1
        let parameter = Int(op >> 2)
        let source = [peer, natPort, stranger][parameter % 3]
        switch op & 3 {
        case 0:
            let length = Int(take(1).first ?? 0)
            _ = stream.receiveRTP(take(length), from: source, now: at(ms))
        case 1:
            let length = Int(take(1).first ?? 0) * 2
            let wallClock = NTPTimestamp(rawValue: UInt64(3_900_000_000 + ms / 1000) << 32)
            stream.receiveRTCP(take(length), from: source, now: at(ms), wallClock: wallClock)
        case 2:
            ms += 20
            _ = stream.nextSlot()
            _ = stream.playout(now: at(ms))
            _ = stream.housekeeping(now: at(ms))
        default:
            // Up to 63 × 50 ms at once: a stalled loop, a peer that paused.
            ms += Int64(parameter) * 50
        }
        checkInvariants(stream, now: at(ms))
    }
    let wallClock = NTPTimestamp(rawValue: UInt64(3_900_000_000 + ms / 1000) << 32)
    if let report = stream.rtcpReport(now: at(ms), wallClock: wallClock, randomFactor: 1, bye: true) {
        guard (try? RTCPCompoundPacket(parsing: report)) != nil else {
            fatalError("our own RTCP report does not parse")
        }
    }
}

/// Nothing from the network grows memory without bound, and MediaStream keeps its promise: the jitter
/// buffer never holds more than its capacity, and the statistics a dashboard shows stay in range
/// whatever the peer sent.
/// `mediaHost`: the host the SDP names, which our RTP must go to whatever arrived (default: `peer`'s).
func checkInvariants(_ stream: MediaStream, now: NIODeadline, mediaHost: String? = peer.ipAddress) {
    let capacity = stream.configuration.jitterBuffer.capacity
    guard stream.bufferedPackets <= capacity, capacity == JitterBufferConfiguration().capacity else {
        fatalError("jitter buffer holds \(stream.bufferedPackets) packets, capacity \(capacity)")
    }
    let s = stream.statistics(now: now)
    guard (0...1).contains(s.lossRatio) else { fatalError("loss ratio \(s.lossRatio)") }
    guard (1...4.5).contains(s.meanOpinionScore) else { fatalError("MOS \(s.meanOpinionScore)") }
    guard s.jitterMilliseconds.isFinite, s.jitterMilliseconds >= 0 else {
        fatalError("jitter \(s.jitterMilliseconds) ms")
    }
    guard s.jitterBufferDelayMilliseconds.isFinite, s.jitterBufferDelayMilliseconds >= 0 else {
        fatalError("jitter buffer delay \(s.jitterBufferDelayMilliseconds) ms")
    }
    if let remote = s.remoteLossRatio, !(0...1).contains(remote) { fatalError("remote loss ratio \(remote)") }
    if let rtt = s.roundTripTimeMilliseconds, !rtt.isFinite || rtt < 0 { fatalError("round-trip time \(rtt) ms") }
    guard s.packetsLost >= 0 else { fatalError("packets lost \(s.packetsLost)") }
    // Media follows signalling: whatever arrived, our RTP goes to the SDP's host.
    guard stream.rtpTarget?.ipAddress == mediaHost else {
        fatalError("RTP target moved to \(String(describing: stream.rtpTarget))")
    }
}
