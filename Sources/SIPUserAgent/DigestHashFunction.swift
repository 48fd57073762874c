import CCrypto
import SIPCore

/// The hash functions of HTTP digest (RFC 7616 §3.2, RFC 8760 for SIP), computed by OpenSSL's
/// libcrypto through EVP.
///
/// Each function's `EVP_MD` is fetched once per process (`EVP_MD_fetch`) and kept: an explicit
/// fetch is what OpenSSL 3 recommends, because the legacy `EVP_md5()` objects fetch implicitly on
/// every use. A fetched `EVP_MD` is immutable and may be used from any thread.
package enum DigestHashFunction: Sendable, Hashable, CaseIterable {
    case md5
    case sha256
    /// SHA-512/256 (FIPS 180-4), RFC 7616's `SHA-512-256`.
    case sha512_256

    /// The OpenSSL name.
    var evpName: String {
        switch self {
        case .md5: "MD5"
        case .sha256: "SHA2-256"
        case .sha512_256: "SHA2-512/256"
        }
    }

    /// Whether this libcrypto provides the function (MD5 is missing under a FIPS-only provider).
    package var isAvailable: Bool { fetched.md != nil }

    private var fetched: FetchedDigest {
        switch self {
        case .md5: md5Digest
        case .sha256: sha256Digest
        case .sha512_256: sha512_256Digest
        }
    }

    /// The lowercase hex digest of `bytes` (RFC 7616 §3.4.1: "hex ... lowercase"), or nil when
    /// libcrypto lacks the function.
    package func hex(_ bytes: some Sequence<UInt8>) -> String? {
        guard let md = fetched.md else { return nil }
        let input = Array(bytes)
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = input.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { outBuffer in
                EVP_Digest(raw.baseAddress, raw.count, outBuffer.baseAddress, &length, md, nil)
            }
        }
        guard ok == 1 else { return nil }
        return lowercaseHex(out.prefix(Int(length)))
    }

    /// The hex digest of UTF-8 text.
    package func hex(_ text: String) -> String? { hex(text.utf8) }
}

/// One `EVP_MD` fetched for the life of the process; never freed (there are three).
private final class FetchedDigest: @unchecked Sendable {
    let md: OpaquePointer?
    init(_ name: String) { md = EVP_MD_fetch(nil, name, nil) }
}

private let md5Digest = FetchedDigest(DigestHashFunction.md5.evpName)
private let sha256Digest = FetchedDigest(DigestHashFunction.sha256.evpName)
private let sha512_256Digest = FetchedDigest(DigestHashFunction.sha512_256.evpName)
