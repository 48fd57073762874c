import NIOCore

/// The fixed header fields of one packet we send (RFC 3550 §5.1); no CSRCs, no extension.
package struct RTPHeader: Hashable, Sendable {
    package var marker: Bool
    package var payloadType: UInt8
    package var sequenceNumber: UInt16
    package var timestamp: UInt32
    package var ssrc: UInt32

    package static let size = 12

    /// Writes the 12 header octets; the payload follows in the same buffer (no intermediate array on
    /// the send path, which runs 50 times a second per call).
    package func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(2 << 6))
        buffer.writeInteger((marker ? 0x80 : 0) | (payloadType & 0x7F))
        buffer.writeInteger(sequenceNumber)
        buffer.writeInteger(timestamp)
        buffer.writeInteger(ssrc)
    }
}

/// Numbers the packets of our one source: sequence numbers and timestamps from random starting points
/// (RFC 3550 §5.1, so that a known-plaintext start tells an eavesdropper nothing), one timestamp step
/// of `samplesPerPacket` per packet slot whether or not a packet goes out, and the marker bit on the
/// first packet of each talkspurt (RFC 3551 §4.1): the first packet of the call and the first after a
/// pause (hold, recvonly).
package struct RTPSender: Hashable, Sendable {
    package let ssrc: UInt32
    package private(set) var sequenceNumber: UInt16
    /// The timestamp of the next packet slot.
    package private(set) var timestamp: UInt32
    /// Samples per packet: `ptime × clock rate / 1000` (160 for 20 ms of G.711).
    package var samplesPerPacket: UInt32
    /// RTCP SR counters (§6.4.1): packets, and payload octets (headers and padding excluded).
    package private(set) var packetCount: UInt32 = 0
    package private(set) var octetCount: UInt32 = 0
    private var talkspurtStarts = true

    package init(ssrc: UInt32, sequenceNumber: UInt16, timestamp: UInt32, samplesPerPacket: UInt32) {
        self.ssrc = ssrc
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.samplesPerPacket = samplesPerPacket
    }

    /// The header of an audio packet for this slot; moves to the next slot.
    package mutating func audio(payloadType: UInt8, payloadSize: Int) -> RTPHeader {
        let header = send(
            payloadType: payloadType, timestamp: timestamp, marker: talkspurtStarts, payloadSize: payloadSize)
        talkspurtStarts = false
        return header
    }

    /// The header of an RFC 4733 event packet sent in this slot in place of audio. The event keeps the
    /// timestamp of its start (§2.5.1.2) and its own marker; the audio clock still moves on, and the
    /// first audio packet after the event starts a new talkspurt.
    package mutating func event(payloadType: UInt8, timestamp eventTimestamp: UInt32, marker: Bool, payloadSize: Int)
        -> RTPHeader
    {
        let header = send(payloadType: payloadType, timestamp: eventTimestamp, marker: marker, payloadSize: payloadSize)
        talkspurtStarts = true
        return header
    }

    /// A slot in which nothing is sent (hold, recvonly): time passes, sequence numbers do not (§5.1:
    /// they count packets sent), and sending resumes with a marker.
    package mutating func skip() {
        talkspurtStarts = true
        timestamp &+= samplesPerPacket
    }

    /// One packet goes out in this slot: numbered, counted for the SR, and the clock moves on.
    private mutating func send(payloadType: UInt8, timestamp packetTimestamp: UInt32, marker: Bool, payloadSize: Int)
        -> RTPHeader
    {
        let header = RTPHeader(
            marker: marker, payloadType: payloadType, sequenceNumber: sequenceNumber, timestamp: packetTimestamp,
            ssrc: ssrc)
        sequenceNumber &+= 1
        packetCount &+= 1
        octetCount &+= UInt32(truncatingIfNeeded: payloadSize)
        timestamp &+= samplesPerPacket
        return header
    }
}
