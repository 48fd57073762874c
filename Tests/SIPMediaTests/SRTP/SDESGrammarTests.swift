import Testing

@testable import SIPMedia

/// RFC 4568 §9.1's `a=crypto` grammar, the keys it carries, and that a key never prints.
@Suite("SDES a=crypto grammar (RFC 4568)")
struct SDESGrammarTests {
    /// RFC 4568 §10's example offer line (key of the right length for AES_CM_128_HMAC_SHA1_80).
    static let rfcExample = "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32"

    @Test func theRFCExampleParsesAndWritesBackUnchanged() throws {
        let line = try #require(SDESCryptoAttribute(parsing: Self.rfcExample))
        #expect(line.tag == 1)
        #expect(line.suite == .aesCM128HmacSHA1_80)
        #expect(
            line.keys == [.init(keySalt: "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", lifetime: "2^20", mki: "1:32")])
        #expect(line.value == Self.rfcExample)
        #expect(line.masterKey?.bytes.count == 30, "16-byte key and 14-byte salt")
        #expect(!line.isUsable, "an MKI and a lifetime of 2^20 packets are not run by this SDK")
    }

    @Test func aPlainInlineKeyIsUsableAndSessionParametersAreKept() throws {
        let line = try #require(
            SDESCryptoAttribute(
                parsing: "7 AES_CM_128_HMAC_SHA1_32 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^31 WSH=128"))
        #expect(line.isUsable, "a window-size hint is harmless; 2^31 packets is a lifetime we keep")
        #expect(line.sessionParameters == ["WSH=128"])
        #expect(line.value == "7 AES_CM_128_HMAC_SHA1_32 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^31 WSH=128")
    }

    @Test(arguments: [
        "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR UNENCRYPTED_SRTP",
        "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR UNAUTHENTICATED_SRTP",
        "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR KDR=10",
        "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR;inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR",
        "1 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ=",
        "1 F8_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR",
    ])
    func linesThisSDKCannotRunParseButAreNotUsable(value: String) throws {
        let line = try #require(SDESCryptoAttribute(parsing: value))
        #expect(!line.isUsable)
    }

    @Test(arguments: [
        "", "1", "1 AES_CM_128_HMAC_SHA1_80", "x AES_CM_128_HMAC_SHA1_80 inline:AAAA",
        "1234567890 AES_CM_128_HMAC_SHA1_80 inline:AAAA",
        "1 AES_CM_128_HMAC_SHA1_80 key:AAAA", "1 AES_CM_128_HMAC_SHA1_80 inline:",
        "1 AES_CM_128_HMAC_SHA1_80 inline:AAAA|2^20|1:4|x",
        "1 AES-CM inline:AAAA", "1 AES_CM_128_HMAC_SHA1_80 inline:AAAA|2^x",
        "1 AES_CM_128_HMAC_SHA1_80 inline:AAAA|1:2:3",
    ])
    func malformedLinesAreRefused(value: String) {
        #expect(SDESCryptoAttribute(parsing: value) == nil)
    }

    @Test func aStreamReadsOnlyWellFormedCryptoLines() throws {
        let description = try remote(after: [
            "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR",
            "a=crypto:garbage", "a=crypto:2 AEAD_AES_128_GCM inline:\(Base64.encode([UInt8](repeating: 7, count: 28)))",
        ])
        let lines = description.media[0].cryptoAttributes
        #expect(lines.map(\.tag) == [1, 2])
        #expect(lines.allSatisfy { $0.isUsable })
        #expect(
            description.media[0].cryptoAttributes.map(\.value)
                == SessionDescription(description.text).media[0].cryptoAttributes.map(\.value))
    }

    @Test(arguments: SRTPSuite.allCases)
    func randomKeysHaveTheSuitesLengthAndRoundTripThroughBase64(suite: SRTPSuite) throws {
        let a = try SRTPMasterKey.random(for: suite)
        let b = try SRTPMasterKey.random(for: suite)
        #expect(a.bytes.count == suite.keyAndSaltLength)
        #expect(a != b, "fresh randomness each time")
        #expect(SRTPMasterKey(suite: suite, base64: a.base64) == a)
        #expect(SRTPMasterKey(suite: suite, base64: a.base64 + "AAAA") == nil, "another length is not this suite's key")
    }

    @Test func base64FollowsRFC4648() {
        #expect(Base64.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(Base64.encode(Array("fooba".utf8)) == "Zm9vYmE=")
        #expect(Base64.encode(Array("foob".utf8)) == "Zm9vYg==")
        #expect(Base64.decode("Zm9vYg==") == Array("foob".utf8))
        #expect(Base64.decode("Zm9vYg=") == nil)
        #expect(Base64.decode("Zm=vYg==") == nil)
        #expect(Base64.decode("Zm9v!g==") == nil)
    }

    @Test func aKeyNeverPrints() throws {
        let key = try SRTPMasterKey.random(for: .aesCM128HmacSHA1_80)
        let srtp = NegotiatedSRTP(suite: .aesCM128HmacSHA1_80, tag: 1, sendKey: key, receiveKey: key)
        for text in ["\(key)", String(reflecting: key), "\(srtp)", String(reflecting: srtp), "\([key])"] {
            #expect(!text.contains(key.base64), "\(text)")
            #expect(text.contains("AES_CM_128_HMAC_SHA1_80"))
        }
    }
}

extension SessionDescription {
    /// Parses text the tests wrote themselves.
    init(_ text: String) { self = try! SessionDescription(parsing: text) }
}
