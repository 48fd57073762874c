import CSRTP

/// An SRTP crypto suite as SDES names it in `a=crypto` (RFC 4568 §6.2, RFC 7714 §14.2), with the
/// master key and salt lengths its inline key carries.
package enum SRTPSuite: String, CaseIterable, Hashable, Sendable {
    /// AES counter mode, 80-bit HMAC-SHA1 tag: the suite every SDES peer has (RFC 4568 §6.2.1).
    case aesCM128HmacSHA1_80 = "AES_CM_128_HMAC_SHA1_80"
    /// As above with a 32-bit tag on SRTP (SRTCP keeps 80 bits, RFC 4568 §6.2.2).
    case aesCM128HmacSHA1_32 = "AES_CM_128_HMAC_SHA1_32"
    /// AES-GCM AEAD with a 128-bit key (RFC 7714).
    case aeadAES128GCM = "AEAD_AES_128_GCM"
    /// AES-GCM AEAD with a 256-bit key (RFC 7714).
    case aeadAES256GCM = "AEAD_AES_256_GCM"

    /// What this SDK offers, in its order of preference: the mandatory suite first, so a peer that
    /// takes the first suite it knows lands on the one every implementation has.
    package static let offered: [SRTPSuite] = [
        .aesCM128HmacSHA1_80, .aesCM128HmacSHA1_32, .aeadAES128GCM, .aeadAES256GCM,
    ]

    /// The SDES name (`AES_CM_128_HMAC_SHA1_80` …).
    package var name: String { rawValue }

    /// Master key bytes.
    package var keyLength: Int {
        switch self {
        case .aesCM128HmacSHA1_80, .aesCM128HmacSHA1_32, .aeadAES128GCM: 16
        case .aeadAES256GCM: 32
        }
    }

    /// Master salt bytes: 112 bits for AES-CM (RFC 3711 §8.2), 96 for GCM (RFC 7714 §8.1).
    package var saltLength: Int {
        switch self {
        case .aesCM128HmacSHA1_80, .aesCM128HmacSHA1_32: 14
        case .aeadAES128GCM, .aeadAES256GCM: 12
        }
    }

    /// Key and salt, as the inline key of `a=crypto` concatenates them (RFC 4568 §6.1).
    package var keyAndSaltLength: Int { keyLength + saltLength }

    /// The suite's number in the C shim.
    var shimValue: Int32 {
        switch self {
        case .aesCM128HmacSHA1_80: Int32(SIPE_SRTP_AES_CM_128_HMAC_SHA1_80)
        case .aesCM128HmacSHA1_32: Int32(SIPE_SRTP_AES_CM_128_HMAC_SHA1_32)
        case .aeadAES128GCM: Int32(SIPE_SRTP_AEAD_AES_128_GCM)
        case .aeadAES256GCM: Int32(SIPE_SRTP_AEAD_AES_256_GCM)
        }
    }
}
