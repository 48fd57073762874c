import NIOCore
import Testing

@testable import SIPMedia

@Suite("Media stream configuration from offer/answer")
struct MediaStreamConfigurationTests {
    static func negotiated(ptime: Int = 20, address: String = "127.0.0.5", port: Int = 40000, mux: Bool = false)
        -> NegotiatedMedia
    {
        NegotiatedMedia(
            codec: .pcma, telephoneEvent: .telephoneEvent(payloadType: 96), localAddress: "127.0.0.1",
            localRTPPort: 30000,
            localRTCPPort: 30001, remoteAddress: address, remoteRTPPort: port, remoteRTCPPort: mux ? port : port + 1,
            rtcpMux: mux, direction: .sendrecv, ptime: ptime)
    }

    @Test func theAnswerGivesCodecEventsAddressesAndPtime() throws {
        let c = MediaStreamConfiguration(negotiated: Self.negotiated(ptime: 30), cname: "x@y")
        #expect(c.codec == .pcma)
        #expect(c.telephoneEventPayloadType == 96)
        #expect(c.remoteRTP == (try SocketAddress(ipAddress: "127.0.0.5", port: 40000)))
        #expect(c.remoteRTCP == (try SocketAddress(ipAddress: "127.0.0.5", port: 40001)))
        #expect(c.ptime == 30 && c.samplesPerPacket == 240)
        #expect(c.jitterBuffer.frameDuration == .milliseconds(30))
    }

    @Test(arguments: [0, 7, 25, 500])
    func aPtimeWeCannotKeepFallsBackTo20(ptime: Int) {
        #expect(MediaStreamConfiguration(negotiated: Self.negotiated(ptime: ptime), cname: "x").ptime == 20)
    }

    @Test func theOldHoldAddressAndPortZeroGiveNowhereToSend() {
        #expect(MediaStreamConfiguration(negotiated: Self.negotiated(address: "0.0.0.0"), cname: "x").remoteRTP == nil)
        #expect(MediaStreamConfiguration(negotiated: Self.negotiated(port: 0), cname: "x").remoteRTP == nil)
    }

    @Test func aStreamAt30MillisecondsSends240SamplesAPacketInItsCodec() throws {
        let c = MediaStreamConfiguration(negotiated: Self.negotiated(ptime: 30), cname: "x")
        var stream = MediaStream(configuration: c, ssrc: 1, sequenceNumber: 0, timestamp: 0, now: .uptimeNanoseconds(0))
        guard case .audio(let first, let samples) = stream.nextSlot(), case .audio(let second, _) = stream.nextSlot()
        else {
            Issue.record("a sendrecv stream sends audio")
            return
        }
        #expect(samples == 240)
        #expect(first.payloadType == 8, "PCMA")
        #expect(second.timestamp == first.timestamp + 240)
    }
}
