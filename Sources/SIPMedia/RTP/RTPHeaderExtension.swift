/// The one header extension an RTP packet may carry (RFC 3550 §5.3.1).
///
///      0                   1                   2                   3
///      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |      defined by profile       |           length              |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |                        header extension                       |
///
/// G.711 audio has no use for it; it is kept so a packet re-serialises as it came and so the payload
/// that follows is found in the right place.
package struct RTPHeaderExtension: Sendable, Hashable {
    /// The 16 bits "defined by profile" (e.g. 0xBEDE for RFC 8285 one-byte headers).
    package var profileData: UInt16
    /// The extension body; its length is a multiple of 4 because the wire counts 32-bit words.
    package var data: [UInt8]

    /// - Precondition: `data.count` is a multiple of 4 and at most 65,535 words: a caller's mistake,
    ///   never something read from the network.
    package init(profileData: UInt16, data: [UInt8]) {
        precondition(data.count % 4 == 0 && data.count / 4 <= Int(UInt16.max), "RTP extension is whole words")
        self.profileData = profileData
        self.data = data
    }
}
