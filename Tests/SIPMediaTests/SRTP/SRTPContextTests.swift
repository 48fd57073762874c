import NIOCore
import Testing

@testable import SIPMedia

/// libsrtp through ``SRTPContext``: what one side protects the other unprotects, and nothing else.
@Suite("SRTP protect and unprotect (RFC 3711)")
struct SRTPContextTests {
    /// A G.711 packet: version 2, PT 0, the given sequence number, 160 bytes of 0x55.
    static func rtp(sequence: UInt16, ssrc: UInt32 = 0xCAFE_F00D) -> [UInt8] {
        var buffer = ByteBuffer()
        RTPHeader(
            marker: false, payloadType: 0, sequenceNumber: sequence, timestamp: UInt32(sequence) * 160, ssrc: ssrc
        )
        .write(into: &buffer)
        buffer.writeRepeatingByte(0x55, count: 160)
        return Array(buffer.readableBytesView)
    }

    static func protect(_ bytes: [UInt8], with context: SRTPContext) throws -> [UInt8] {
        var buffer = ByteBuffer(bytes: bytes)
        try context.protectRTP(&buffer)
        return Array(buffer.readableBytesView)
    }

    /// libsrtp took the OpenSSL AES-ICM and HMAC-SHA1 only after they reproduced its known answers
    /// (RFC 3711 B.2, RFC 2202); the lab test then checks them against pylibsrtp in another process.
    @Test func aesCMAndHMACComeFromOpenSSLAfterPassingLibsrtpsKnownAnswerTests() {
        #expect(SRTPLibrary.backend == .openssl)
    }

    @Test(arguments: SRTPSuite.allCases)
    func whatOneSideProtectsTheOtherUnprotects(suite: SRTPSuite) throws {
        let key = try SRTPMasterKey.random(for: suite)
        let sender = try SRTPContext(key: key, direction: .send)
        let receiver = try SRTPContext(key: key, direction: .receive)
        for sequence in UInt16(1)...50 {
            let plain = Self.rtp(sequence: sequence)
            var wire = try Self.protect(plain, with: sender)
            let tag = suite == .aesCM128HmacSHA1_32 ? 4 : suite == .aesCM128HmacSHA1_80 ? 10 : 16
            #expect(wire.count == plain.count + tag)
            #expect(Array(wire[12..<172]) != Array(plain[12..<172]), "the payload is encrypted")
            #expect(Array(wire[0..<12]) == Array(plain[0..<12]), "the header stays readable (RFC 3711 §3.1)")
            try receiver.unprotectRTP(&wire)
            #expect(wire == plain)
        }
        let report: [UInt8] = [0x80, 201, 0, 1, 0xCA, 0xFE, 0xF0, 0x0D]  // an empty receiver report
        var srtcp = try sender.protectRTCP(report)
        #expect(srtcp.count > report.count, "SRTCP adds its index and tag (RFC 3711 §3.4)")
        try receiver.unprotectRTCP(&srtcp)
        #expect(srtcp == report)
    }

    @Test func aTamperedPacketAPlainPacketAndAnotherKeyFailAuthentication() throws {
        let key = try SRTPMasterKey.random(for: .aesCM128HmacSHA1_80)
        let sender = try SRTPContext(key: key, direction: .send)
        let receiver = try SRTPContext(key: key, direction: .receive)
        var tampered = try Self.protect(Self.rtp(sequence: 1), with: sender)
        tampered[20] ^= 0x01
        #expect(throws: SRTPError(.authenticationFailed, "")) { try receiver.unprotectRTP(&tampered) }
        var plain = Self.rtp(sequence: 2)
        #expect(throws: SRTPError(.authenticationFailed, "")) { try receiver.unprotectRTP(&plain) }
        let stranger = try SRTPContext(key: try SRTPMasterKey.random(for: .aesCM128HmacSHA1_80), direction: .send)
        var forged = try Self.protect(Self.rtp(sequence: 3), with: stranger)
        #expect(throws: SRTPError(.authenticationFailed, "")) { try receiver.unprotectRTP(&forged) }
        var genuine = try Self.protect(Self.rtp(sequence: 4), with: sender)
        try receiver.unprotectRTP(&genuine)
        #expect(genuine == Self.rtp(sequence: 4), "failures leave the context working")
    }

    @Test func aReplayedPacketIsRefused() throws {
        let key = try SRTPMasterKey.random(for: .aesCM128HmacSHA1_80)
        let sender = try SRTPContext(key: key, direction: .send)
        let receiver = try SRTPContext(key: key, direction: .receive)
        let wire = try Self.protect(Self.rtp(sequence: 10), with: sender)
        var first = wire
        try receiver.unprotectRTP(&first)
        var again = wire
        #expect(throws: SRTPError(.replay, "")) { try receiver.unprotectRTP(&again) }
    }

    @Test func shortDatagramsAreMalformedNotACrash() throws {
        let receiver = try SRTPContext(key: try SRTPMasterKey.random(for: .aeadAES128GCM), direction: .receive)
        for count in [0, 1, 11] {
            var bytes = [UInt8](repeating: 0x80, count: count)
            #expect(throws: SRTPError(.malformed, "")) { try receiver.unprotectRTP(&bytes) }
        }
        var short = [UInt8](repeating: 0x80, count: 13)
        #expect(throws: (any Error).self) { try receiver.unprotectRTP(&short) }
    }
}
