import NIOCore

/// A SIP request or response (RFC 3261 §7): start line, header fields in order, and body.
public struct SIPMessage: Sendable {
    /// The first line of a message (RFC 3261 §7.1, §7.2): a Request-Line or a Status-Line. The version is
    /// always `SIP/2.0`; the parser rejects any other.
    public enum StartLine: Sendable, Hashable {
        /// A Request-Line: `method` and Request-URI `uri`.
        case request(method: SIPMethod, uri: SIPURI)
        /// A Status-Line: the `statusCode` (three digits, 100–699 when parsed) and the `reasonPhrase` as written
        /// (may be empty).
        case response(statusCode: Int, reasonPhrase: String)
    }

    /// Whether this is a request or a response, and its method and URI or status and reason.
    public var startLine: StartLine
    /// Every header line in order, names as written; the typed accessors (``from``, ``via``, …) parse from here.
    public var headers: SIPHeaders
    /// The body bytes. Its length, not any Content-Length header, is what gets written (§20.14).
    public var body: ByteBuffer
    /// The message was parsed with bare LF line ends (only possible when the parser was asked to accept them).
    public internal(set) var usedBareLineFeeds: Bool

    /// A message from its `startLine`, `headers` (default none) and `body` (default empty), taken as given:
    /// the mandatory headers (§8.1.1) are the caller's to add; Content-Length may be left out, since
    /// ``write(into:)`` always writes the body's length.
    public init(startLine: StartLine, headers: SIPHeaders = SIPHeaders(), body: ByteBuffer = ByteBuffer()) {
        self.startLine = startLine
        self.headers = headers
        self.body = body
        self.usedBareLineFeeds = false
    }

    /// A request built in code.
    public static func request(
        method: SIPMethod, uri: SIPURI, headers: SIPHeaders = SIPHeaders(), body: ByteBuffer = ByteBuffer()
    ) -> SIPMessage {
        SIPMessage(startLine: .request(method: method, uri: uri), headers: headers, body: body)
    }

    /// A response built in code; the reason phrase defaults to RFC 3261's for the code.
    public static func response(
        statusCode: Int, reasonPhrase: String? = nil, headers: SIPHeaders = SIPHeaders(),
        body: ByteBuffer = ByteBuffer()
    ) -> SIPMessage {
        SIPMessage(
            startLine: .response(
                statusCode: statusCode, reasonPhrase: reasonPhrase ?? SIPStatus.reasonPhrase(for: statusCode)),
            headers: headers, body: body)
    }

    /// Whether the start line is a Request-Line (false for a response).
    public var isRequest: Bool {
        if case .request = startLine { return true }
        return false
    }

    /// The method of a request, nil for a response.
    public var method: SIPMethod? {
        if case .request(let m, _) = startLine { return m }
        return nil
    }

    /// The Request-URI of a request, nil for a response.
    public var requestURI: SIPURI? {
        if case .request(_, let uri) = startLine { return uri }
        return nil
    }

    /// The status code of a response, nil for a request.
    public var statusCode: Int? {
        if case .response(let code, _) = startLine { return code }
        return nil
    }

    /// The reason phrase of a response as written (possibly empty), nil for a request.
    public var reasonPhrase: String? {
        if case .response(_, let reason) = startLine { return reason }
        return nil
    }

    /// The body as text (for SDP and sipfrag bodies).
    public var bodyText: String { String(buffer: body) }
}

/// Reason phrases of RFC 3261 §21 and its extensions.
public enum SIPStatus {
    /// The standard reason phrase for `code`, e.g. `Ringing` for 180 and `Interval Too Brief` for 423;
    /// `Unknown` for a code outside this table (the phrase carries no meaning, §21, so that is harmless).
    public static func reasonPhrase(for code: Int) -> String {
        switch code {
        case 100: "Trying"
        case 180: "Ringing"
        case 181: "Call Is Being Forwarded"
        case 182: "Queued"
        case 183: "Session Progress"
        case 200: "OK"
        case 202: "Accepted"
        case 300: "Multiple Choices"
        case 301: "Moved Permanently"
        case 302: "Moved Temporarily"
        case 305: "Use Proxy"
        case 380: "Alternative Service"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 402: "Payment Required"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 406: "Not Acceptable"
        case 407: "Proxy Authentication Required"
        case 408: "Request Timeout"
        case 410: "Gone"
        case 413: "Request Entity Too Large"
        case 414: "Request-URI Too Long"
        case 415: "Unsupported Media Type"
        case 416: "Unsupported URI Scheme"
        case 420: "Bad Extension"
        case 421: "Extension Required"
        case 422: "Session Interval Too Small"
        case 423: "Interval Too Brief"
        case 480: "Temporarily Unavailable"
        case 481: "Call/Transaction Does Not Exist"
        case 482: "Loop Detected"
        case 483: "Too Many Hops"
        case 484: "Address Incomplete"
        case 485: "Ambiguous"
        case 486: "Busy Here"
        case 487: "Request Terminated"
        case 488: "Not Acceptable Here"
        case 489: "Bad Event"
        case 491: "Request Pending"
        case 493: "Undecipherable"
        case 500: "Server Internal Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Server Time-out"
        case 505: "Version Not Supported"
        case 513: "Message Too Large"
        case 600: "Busy Everywhere"
        case 603: "Decline"
        case 604: "Does Not Exist Anywhere"
        case 606: "Not Acceptable"
        default: "Unknown"
        }
    }
}
