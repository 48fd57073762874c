/// Bounds on what the SDP parser accepts from the network, so a hostile body can never make it trap
/// or allocate without bound. Exceeding one is an ``SDPParseError`` naming the limit.
package struct SDPParserLimits: Sendable, Hashable {
    /// Largest description in bytes (a SIP body is at most 65,535 by default anyway). Default: 16,384.
    package var maximumSize: Int
    /// Most lines in one description. Default: 256.
    package var maximumLineCount: Int
    /// Longest line in bytes, without its line end. Default: 1,024.
    package var maximumLineLength: Int
    /// Most `m=` lines. Default: 16.
    package var maximumMediaCount: Int

    package init(
        maximumSize: Int = 16_384,
        maximumLineCount: Int = 256,
        maximumLineLength: Int = 1_024,
        maximumMediaCount: Int = 16
    ) {
        self.maximumSize = maximumSize
        self.maximumLineCount = maximumLineCount
        self.maximumLineLength = maximumLineLength
        self.maximumMediaCount = maximumMediaCount
    }

    /// The defaults above.
    package static let `default` = SDPParserLimits()
}
