import Foundation
import SIPMedia
import SIPTestSupport
import SipEndpoint
import Testing

/// Media against the real sites: the phone, registered on both Kamailio sites like the call-control
/// lab tests (same configuration), dials 9001 through site A; the site relays the INVITE to a SIPp UAS
/// that answers with SDP for 127.0.0.4:6070 and runs `-rtp_echo`, which sends every datagram that
/// reaches that port back to its sender unchanged. So what the phone receives is its own stream: same
/// SSRC, same sequence numbers, same payload — a tone played is the tone recorded.
///
/// What the echo cannot show: SIPp sends no RTCP (nothing listens on 6071), so there is no round-trip
/// time and no remote loss figure; and it never originates media, so symmetric-RTP latching to a new
/// address is not exercised (the echo comes from the address the SDP gave).
///
/// The echo UAS is started by the test, not with the lab: SIPp prints its echo counter only when it
/// exits, and the test compares that counter with the phone's own figures.
@Suite(
    "Media against a real Kamailio site and a SIPp UAS that echoes RTP",
    .serialized,
    .enabled(if: labIsRunnable, "Kamailio lab not installed: run Scripts/install-deps"),
    .kamailioSites,
    .timeLimit(.minutes(2))
)
struct MediaLabTests {
    /// Where SIPp's echo socket is, as the SDP of its 200 OK says (`[media_ip]:[media_port]`).
    static let echoAddress = "\(SIPpUAS.host):\(SIPpUAS.TestNumber.answerEchoingRTP.rtpEchoPort ?? 0)"
    /// How long the tone plays before the figures are read: 75 packets of 20 ms.
    static let talkTime = Duration.milliseconds(1500)

    @Test("9001 through site A: SIPp echoes our RTP; a 1000 Hz tone comes back, counted, near lossless, recorded")
    func toneEchoedBySIPp() async throws {
        let echo = try await SIPpUAS.start(.answerEchoingRTP)
        let recording = MediaCallTests.temporaryPath("echo.wav")
        defer { try? FileManager.default.removeItem(atPath: recording) }
        let phone = Phone.onOwnThread(configuration: CallControlLabTests.configuration)
        let final: MediaStatistics
        do {
            final = try await Self.callAndTalk(phone: phone, recording: recording)
        } catch {
            await phone.shutdown()
            await echo.stop()
            throw error
        }
        await phone.shutdown()
        await echo.stop()

        // SIPp's own count, read from the screen it prints on exit: it can only have echoed what we
        // sent, and everything we counted as received came from it.
        let echoed = try #require(await echo.echoedRTPPackets(), "no echo counter in \(echo.logFile.path)")
        #expect(
            echoed >= Int(final.packetsReceived) && echoed <= Int(final.packetsSent), "SIPp echoed \(echoed); \(final)")

        let heard = try WAVFile(contentsOf: recording).samples
        #expect(heard.count >= 8000 / 2, "at least half a second recorded: \(heard.count) samples")
        // The last half second, well past the jitter buffer's start.
        #expect(MediaCallTests.dominantTone(in: Array(heard.suffix(4000)), among: [400, 600, 1000, 1400]) == 1000)

        print(
            "lab-measure media-echo sent=\(final.packetsSent) received=\(final.packetsReceived) sipp-echoed=\(echoed)"
                + " lost=\(final.packetsLost) loss=\(final.lossRatio) jitter-ms=\(CallControlLabTests.format(final.jitterMilliseconds))"
                + " mos=\(CallControlLabTests.format(final.meanOpinionScore)) late=\(final.latePackets)"
                + " discarded=\(final.discardedPackets) remote=\(final.remoteAddress ?? "-") recorded-samples=\(heard.count)"
        )
    }

    /// Registers, dials 9001 on connection 0, plays a tone and records it for ``talkTime``, checks the
    /// figures mid-call, hangs up and returns the figures the `disconnected` event carries.
    private static func callAndTalk(phone: Phone, recording: String) async throws -> MediaStatistics {
        let connections = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await connections.wait(connection: 0, status: .ready, timeout: .seconds(5))
        try await connections.wait(connection: 1, status: .ready, timeout: .seconds(5))

        let session = try await phone.callControl.dial(
            connectionId: 0, destination: SIPpUAS.TestNumber.answerEchoingRTP.number)
        let log = SessionLog(session.statusChanges)
        let connected = try await log.wait(for: .connected, timeout: .seconds(5))
        #expect(connected.connectionId == 0 && connected.reason.statusCode == 200, "\(connected.reason)")
        try await session.play(.tone(frequency: 1000))
        try await session.record(to: recording)
        try await Task.sleep(for: talkTime)

        let during = try #require(try await session.statistics(), "a connected call with SDP has media")
        #expect(during.codec == "PCMU", "the first codec of our offer that SIPp's answer lists")
        #expect(during.remoteAddress == echoAddress, "the SDP's address, and where the echo comes from")
        #expect(during.packetsSent >= 50, "\(during.packetsSent) packets in \(talkTime)")
        #expect(during.packetsReceived > 0, "nothing came back from SIPp's echo")
        // Loopback round trip is well under a packet time: at most a few packets are in flight.
        #expect(
            during.packetsReceived + 5 >= during.packetsSent,
            "sent \(during.packetsSent), received \(during.packetsReceived)")
        #expect(during.packetsReceived <= during.packetsSent, "an echo cannot return more than was sent")
        #expect(during.lossRatio < 0.02, "loss \(during.lossRatio)")
        #expect(during.discardedPackets == 0, "our own packets echoed back are valid RTP of the agreed type")

        try await session.hangUp()
        let end = try await log.wait(for: .disconnected, timeout: .seconds(3))
        #expect(end.reason.kind == .localHangUp, "\(end.reason)")
        return try #require(end.mediaStatistics, "the last event of a call with media carries its figures")
    }
}
