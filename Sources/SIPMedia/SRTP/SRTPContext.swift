import CSRTP
import NIOCore

/// One direction of one stream's SRTP and SRTCP (RFC 3711) under one master key: libsrtp's session
/// with a policy for every outbound SSRC (``Direction/send``) or every inbound one (``Direction/receive``).
///
/// Not thread-safe (libsrtp's contexts are not): a context belongs to its stream, and its stream to
/// one event loop (``RTPMediaSession``). It keeps the rollover counter and, inbound, the replay window
/// (RFC 3711 §3.3.1, §3.3.2) for as long as it lives, so the packet index under its key never restarts:
/// the stream keeps it across re-INVITEs that do not change the key.
package final class SRTPContext: @unchecked Sendable {
    // @unchecked: used only on its stream's event loop (see above).

    package enum Direction: String, Hashable, Sendable { case send, receive }

    package let key: SRTPMasterKey
    package let direction: Direction
    private var session: srtp_t?

    /// Replay window in packets (RFC 3711 §3.3.2 asks for at least 64).
    package static let replayWindow = 1024

    package init(key: SRTPMasterKey, direction: Direction) throws(SRTPError) {
        SRTPLibrary.initialize()
        self.key = key
        self.direction = direction
        var policy = srtp_policy_t()
        var material = key.bytes
        let created: srtp_err_status_t = material.withUnsafeMutableBufferPointer { keyBytes in
            guard
                sipe_srtp_policy(
                    &policy, key.suite.shimValue, keyBytes.baseAddress, direction == .send ? 1 : 0,
                    UInt(Self.replayWindow)) == 0
            else { return srtp_err_status_bad_param }
            // srtp_create copies the key into its own state; the buffer may go afterwards.
            return srtp_create(&session, &policy)
        }
        for index in material.indices { material[index] = 0 }
        guard created == srtp_err_status_ok, session != nil else {
            throw SRTPError(.library, "srtp_create failed (\(created.rawValue)) for \(key.suite.name)")
        }
    }

    deinit {
        if let session { srtp_dealloc(session) }
    }

    /// Bytes protection may add after a packet.
    package static var maximumTrailer: Int { Int(sipe_srtp_max_trailer()) }

    /// Encrypts and authenticates the RTP packet that is the readable part of `buffer`, in place.
    package func protectRTP(_ buffer: inout ByteBuffer) throws(SRTPError) {
        try protect(&buffer, rtcp: false)
    }

    /// Encrypts and authenticates a compound RTCP packet (RFC 3711 §3.4: adds the SRTCP index and tag).
    package func protectRTCP(_ bytes: [UInt8]) throws(SRTPError) -> [UInt8] {
        var buffer = ByteBuffer(bytes: bytes)
        try protect(&buffer, rtcp: true)
        return Array(buffer.readableBytesView)
    }

    /// Checks and decrypts an SRTP packet in place; on success `bytes` is the plain RTP packet.
    package func unprotectRTP(_ bytes: inout [UInt8]) throws(SRTPError) {
        try unprotect(&bytes, rtcp: false)
    }

    /// Checks and decrypts an SRTCP packet in place.
    package func unprotectRTCP(_ bytes: inout [UInt8]) throws(SRTPError) {
        try unprotect(&bytes, rtcp: true)
    }

    private func protect(_ buffer: inout ByteBuffer, rtcp: Bool) throws(SRTPError) {
        guard direction == .send, let session else { throw SRTPError(.library, "not a sending context") }
        let length = buffer.readableBytes
        guard length >= (rtcp ? 8 : 12) else { throw SRTPError(.malformed, "\(length) bytes") }
        buffer.writeRepeatingByte(0, count: Self.maximumTrailer)
        var newLength = Int32(length)
        let status = buffer.withUnsafeMutableReadableBytes { raw in
            rtcp
                ? srtp_protect_rtcp(session, raw.baseAddress, &newLength)
                : srtp_protect(session, raw.baseAddress, &newLength)
        }
        guard status == srtp_err_status_ok, newLength >= Int32(length), Int(newLength) <= length + Self.maximumTrailer
        else {
            buffer.moveWriterIndex(to: buffer.readerIndex + length)
            throw SRTPError(.library, "srtp_protect failed (\(status.rawValue))")
        }
        buffer.moveWriterIndex(to: buffer.readerIndex + Int(newLength))
    }

    private func unprotect(_ bytes: inout [UInt8], rtcp: Bool) throws(SRTPError) {
        guard direction == .receive, let session else { throw SRTPError(.library, "not a receiving context") }
        guard bytes.count >= (rtcp ? 8 : 12), bytes.count <= 65_535 else {
            throw SRTPError(.malformed, "\(bytes.count) bytes")
        }
        var length = Int32(bytes.count)
        let status = bytes.withUnsafeMutableBytes { raw in
            rtcp
                ? srtp_unprotect_rtcp(session, raw.baseAddress, &length)
                : srtp_unprotect(session, raw.baseAddress, &length)
        }
        switch status {
        case srtp_err_status_ok:
            guard length >= 0, Int(length) <= bytes.count else { throw SRTPError(.malformed, "length \(length)") }
            bytes.removeLast(bytes.count - Int(length))
        case srtp_err_status_replay_fail, srtp_err_status_replay_old:
            throw SRTPError(.replay, "index seen before or too old")
        case srtp_err_status_auth_fail:
            throw SRTPError(.authenticationFailed, "authentication tag does not verify")
        default:
            throw SRTPError(.malformed, "srtp_unprotect failed (\(status.rawValue))")
        }
    }
}

/// libsrtp's one-time set-up, done once per process before the first context: srtp_init, then
/// AES-ICM-128 and HMAC-SHA1 from OpenSSL in place of the library's own (`CSRTP/openssl_transforms.h`:
/// Debian's libsrtp2 computes them through NSS with a new context per packet, at three times the
/// CPU of a plain call). libsrtp checks the replacements against its known answers first.
package enum SRTPLibrary {
    /// Which code computes AES-CM and HMAC-SHA1.
    package enum Backend: String, Sendable { case openssl, library }

    private static let state: (initialized: Bool, backend: Backend) = {
        guard srtp_init() == srtp_err_status_ok else { return (false, .library) }
        return (true, sipe_srtp_use_openssl() == 1 ? .openssl : .library)
    }()

    static func initialize() { _ = state }

    /// The backend in use (initialises libsrtp).
    package static var backend: Backend { state.backend }
}
