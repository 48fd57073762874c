/// Bounds on what the parser accepts from the network, so a hostile peer can never make it trap or
/// allocate without bound. Exceeding one is a ``SIPParseError`` naming the limit.
///
/// Modelled on NIO's `NIOHTTPDecoderLimitConfiguration`: every limit in one value with a documented default.
public struct SIPParserLimits: Sendable, Hashable {
    /// Largest whole message (start line, headers and body) in bytes. A UDP datagram carries at most
    /// 65,507 bytes over IPv4 (65,527 over IPv6), so with the default every datagram is received whole.
    /// Default: 65,535.
    public var maximumMessageSize: Int
    /// Most header lines in one message (a folded line counts once). Default: 256.
    public var maximumHeaderCount: Int
    /// Longest start line or header line in bytes, continuation lines included. Default: 16,384.
    public var maximumLineLength: Int
    /// Largest body in bytes. Default: 65,535.
    public var maximumBodySize: Int
    /// Longest URI (Request-URI or a URI in a header) in bytes. Default: 4,096.
    public var maximumURILength: Int

    /// Limits with each default as documented on its property; pass only the ones to change. Values are not
    /// checked for sense: each is applied literally (a zero body limit rejects every non-empty body).
    public init(
        maximumMessageSize: Int = 65_535,
        maximumHeaderCount: Int = 256,
        maximumLineLength: Int = 16_384,
        maximumBodySize: Int = 65_535,
        maximumURILength: Int = 4_096
    ) {
        self.maximumMessageSize = maximumMessageSize
        self.maximumHeaderCount = maximumHeaderCount
        self.maximumLineLength = maximumLineLength
        self.maximumBodySize = maximumBodySize
        self.maximumURILength = maximumURILength
    }

    /// The defaults above.
    public static let `default` = SIPParserLimits()
}

/// How tolerant the parser is where RFC 3261 and RFC 4475 leave room.
public struct SIPParserOptions: Sendable, Hashable {
    /// Accept a bare LF as a line end (logs and pasted traces often lose the CR). The parsed message
    /// records that it happened (``SIPMessage/usedBareLineFeeds``). Default: false.
    public var acceptsBareLineFeeds: Bool
    /// Limits on sizes and counts. Default: ``SIPParserLimits/default``.
    public var limits: SIPParserLimits

    /// Options with bare-LF tolerance `acceptsBareLineFeeds` (default false: CRLF only, as §7 requires) and
    /// `limits` (default ``SIPParserLimits/default``).
    public init(acceptsBareLineFeeds: Bool = false, limits: SIPParserLimits = .default) {
        self.acceptsBareLineFeeds = acceptsBareLineFeeds
        self.limits = limits
    }

    /// Strict line ends and the default limits.
    public static let `default` = SIPParserOptions()
}
