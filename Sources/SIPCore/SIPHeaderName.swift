/// A header field name. Known names (RFC 3261 §20 and the extensions this SDK speaks) are recognised
/// from their long or compact form (§7.3.3) in any case; any other name is kept as written and
/// compared case-insensitively (§7.3.1).
public struct SIPHeaderName: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    @usableFromInline let known: Known?
    /// The name as written (for known names built in code, the canonical long form).
    public let rawName: String

    public init(_ name: String) {
        let known = name.utf8.withContiguousStorageIfAvailable { Known(bytes: UnsafeRawBufferPointer($0)) }
            ?? Array(name.utf8).withUnsafeBytes { Known(bytes: $0) }
        self.known = known
        self.rawName = known?.canonicalName ?? name
    }

    public init(stringLiteral value: String) { self.init(value) }

    @usableFromInline init(known: Known) {
        self.known = known
        self.rawName = known.canonicalName
    }

    /// The canonical long form for a known header; the name as written otherwise.
    public var canonicalName: String { known?.canonicalName ?? rawName }
    public var description: String { canonicalName }

    public static func == (lhs: SIPHeaderName, rhs: SIPHeaderName) -> Bool {
        if let l = lhs.known, let r = rhs.known { return l == r }
        if lhs.known != nil || rhs.known != nil { return false }
        return lhs.rawName.lowercased() == rhs.rawName.lowercased()
    }

    public func hash(into hasher: inout Hasher) {
        if let known { hasher.combine(known) } else { hasher.combine(rawName.lowercased()) }
    }

    public static let accept = SIPHeaderName(known: .accept)
    public static let acceptContact = SIPHeaderName(known: .acceptContact)
    public static let allow = SIPHeaderName(known: .allow)
    public static let allowEvents = SIPHeaderName(known: .allowEvents)
    public static let authenticationInfo = SIPHeaderName(known: .authenticationInfo)
    public static let authorization = SIPHeaderName(known: .authorization)
    public static let callID = SIPHeaderName(known: .callID)
    public static let contact = SIPHeaderName(known: .contact)
    public static let contentEncoding = SIPHeaderName(known: .contentEncoding)
    public static let contentLength = SIPHeaderName(known: .contentLength)
    public static let contentType = SIPHeaderName(known: .contentType)
    public static let cseq = SIPHeaderName(known: .cseq)
    public static let event = SIPHeaderName(known: .event)
    public static let expires = SIPHeaderName(known: .expires)
    public static let from = SIPHeaderName(known: .from)
    public static let identity = SIPHeaderName(known: .identity)
    public static let maxForwards = SIPHeaderName(known: .maxForwards)
    public static let minExpires = SIPHeaderName(known: .minExpires)
    public static let proxyAuthenticate = SIPHeaderName(known: .proxyAuthenticate)
    public static let proxyAuthorization = SIPHeaderName(known: .proxyAuthorization)
    public static let proxyRequire = SIPHeaderName(known: .proxyRequire)
    public static let recordRoute = SIPHeaderName(known: .recordRoute)
    public static let referTo = SIPHeaderName(known: .referTo)
    public static let referredBy = SIPHeaderName(known: .referredBy)
    public static let rejectContact = SIPHeaderName(known: .rejectContact)
    public static let requestDisposition = SIPHeaderName(known: .requestDisposition)
    public static let require = SIPHeaderName(known: .require)
    public static let retryAfter = SIPHeaderName(known: .retryAfter)
    public static let route = SIPHeaderName(known: .route)
    public static let server = SIPHeaderName(known: .server)
    public static let sessionExpires = SIPHeaderName(known: .sessionExpires)
    public static let subject = SIPHeaderName(known: .subject)
    public static let subscriptionState = SIPHeaderName(known: .subscriptionState)
    public static let supported = SIPHeaderName(known: .supported)
    public static let to = SIPHeaderName(known: .to)
    public static let unsupported = SIPHeaderName(known: .unsupported)
    public static let userAgent = SIPHeaderName(known: .userAgent)
    public static let via = SIPHeaderName(known: .via)
    public static let warning = SIPHeaderName(known: .warning)
    public static let wwwAuthenticate = SIPHeaderName(known: .wwwAuthenticate)
}

extension SIPHeaderName {
    /// The headers the parser recognises by name. Raw values index per-message presence bits, so
    /// keep them below 64.
    @usableFromInline
    enum Known: UInt8, Sendable, CaseIterable {
        case accept, acceptContact, allow, allowEvents, authenticationInfo, authorization, callID, contact,
            contentEncoding, contentLength, contentType, cseq, event, expires, from, identity, maxForwards,
            minExpires, proxyAuthenticate, proxyAuthorization, proxyRequire, recordRoute, referTo, referredBy,
            rejectContact, requestDisposition, require, retryAfter, route, server, sessionExpires, subject,
            subscriptionState, supported, to, unsupported, userAgent, via, warning, wwwAuthenticate

        @usableFromInline var canonicalName: String {
            switch self {
            case .accept: "Accept"
            case .acceptContact: "Accept-Contact"
            case .allow: "Allow"
            case .allowEvents: "Allow-Events"
            case .authenticationInfo: "Authentication-Info"
            case .authorization: "Authorization"
            case .callID: "Call-ID"
            case .contact: "Contact"
            case .contentEncoding: "Content-Encoding"
            case .contentLength: "Content-Length"
            case .contentType: "Content-Type"
            case .cseq: "CSeq"
            case .event: "Event"
            case .expires: "Expires"
            case .from: "From"
            case .identity: "Identity"
            case .maxForwards: "Max-Forwards"
            case .minExpires: "Min-Expires"
            case .proxyAuthenticate: "Proxy-Authenticate"
            case .proxyAuthorization: "Proxy-Authorization"
            case .proxyRequire: "Proxy-Require"
            case .recordRoute: "Record-Route"
            case .referTo: "Refer-To"
            case .referredBy: "Referred-By"
            case .rejectContact: "Reject-Contact"
            case .requestDisposition: "Request-Disposition"
            case .require: "Require"
            case .retryAfter: "Retry-After"
            case .route: "Route"
            case .server: "Server"
            case .sessionExpires: "Session-Expires"
            case .subject: "Subject"
            case .subscriptionState: "Subscription-State"
            case .supported: "Supported"
            case .to: "To"
            case .unsupported: "Unsupported"
            case .userAgent: "User-Agent"
            case .via: "Via"
            case .warning: "Warning"
            case .wwwAuthenticate: "WWW-Authenticate"
            }
        }

        /// RFC 3261 §7.3.3 and the registry of compact forms.
        @usableFromInline
        static func compact(_ byte: UInt8) -> Known? {
            switch byte.asciiLowercased {
            case UInt8(ascii: "a"): .acceptContact
            case UInt8(ascii: "b"): .referredBy
            case UInt8(ascii: "c"): .contentType
            case UInt8(ascii: "d"): .requestDisposition
            case UInt8(ascii: "e"): .contentEncoding
            case UInt8(ascii: "f"): .from
            case UInt8(ascii: "i"): .callID
            case UInt8(ascii: "j"): .rejectContact
            case UInt8(ascii: "k"): .supported
            case UInt8(ascii: "l"): .contentLength
            case UInt8(ascii: "m"): .contact
            case UInt8(ascii: "o"): .event
            case UInt8(ascii: "r"): .referTo
            case UInt8(ascii: "s"): .subject
            case UInt8(ascii: "t"): .to
            case UInt8(ascii: "u"): .allowEvents
            case UInt8(ascii: "v"): .via
            case UInt8(ascii: "x"): .sessionExpires
            case UInt8(ascii: "y"): .identity
            default: nil
            }
        }

        /// Recognises a name from its bytes without allocating: dispatch on length and first letter,
        /// then one case-insensitive comparison.
        @inlinable
        init?(bytes b: UnsafeRawBufferPointer) {
            guard let first = b.first else { return nil }
            if b.count == 1 {
                guard let k = Known.compact(first) else { return nil }
                self = k
                return
            }
            let found: Known?
            switch (b.count, first.asciiLowercased) {
            case (2, UInt8(ascii: "t")): found = bytesEqualCaseInsensitive(b, "to") ? .to : nil
            case (3, UInt8(ascii: "v")): found = bytesEqualCaseInsensitive(b, "via") ? .via : nil
            case (4, UInt8(ascii: "c")): found = bytesEqualCaseInsensitive(b, "cseq") ? .cseq : nil
            case (4, UInt8(ascii: "f")): found = bytesEqualCaseInsensitive(b, "from") ? .from : nil
            case (5, UInt8(ascii: "a")): found = bytesEqualCaseInsensitive(b, "allow") ? .allow : nil
            case (5, UInt8(ascii: "e")): found = bytesEqualCaseInsensitive(b, "event") ? .event : nil
            case (5, UInt8(ascii: "r")): found = bytesEqualCaseInsensitive(b, "route") ? .route : nil
            case (6, UInt8(ascii: "a")): found = bytesEqualCaseInsensitive(b, "accept") ? .accept : nil
            case (6, UInt8(ascii: "s")): found = bytesEqualCaseInsensitive(b, "server") ? .server : nil
            case (7, UInt8(ascii: "c")):
                found = bytesEqualCaseInsensitive(b, "call-id") ? .callID
                    : bytesEqualCaseInsensitive(b, "contact") ? .contact : nil
            case (7, UInt8(ascii: "e")): found = bytesEqualCaseInsensitive(b, "expires") ? .expires : nil
            case (7, UInt8(ascii: "r")): found = bytesEqualCaseInsensitive(b, "require") ? .require : nil
            case (7, UInt8(ascii: "s")): found = bytesEqualCaseInsensitive(b, "subject") ? .subject : nil
            case (7, UInt8(ascii: "w")): found = bytesEqualCaseInsensitive(b, "warning") ? .warning : nil
            case (8, UInt8(ascii: "i")): found = bytesEqualCaseInsensitive(b, "identity") ? .identity : nil
            case (8, UInt8(ascii: "r")): found = bytesEqualCaseInsensitive(b, "refer-to") ? .referTo : nil
            case (9, UInt8(ascii: "s")): found = bytesEqualCaseInsensitive(b, "supported") ? .supported : nil
            case (10, UInt8(ascii: "u")): found = bytesEqualCaseInsensitive(b, "user-agent") ? .userAgent : nil
            case (11, UInt8(ascii: "m")): found = bytesEqualCaseInsensitive(b, "min-expires") ? .minExpires : nil
            case (11, UInt8(ascii: "r")):
                found = bytesEqualCaseInsensitive(b, "retry-after") ? .retryAfter
                    : bytesEqualCaseInsensitive(b, "referred-by") ? .referredBy : nil
            case (11, UInt8(ascii: "u")): found = bytesEqualCaseInsensitive(b, "unsupported") ? .unsupported : nil
            case (12, UInt8(ascii: "a")): found = bytesEqualCaseInsensitive(b, "allow-events") ? .allowEvents : nil
            case (12, UInt8(ascii: "c")): found = bytesEqualCaseInsensitive(b, "content-type") ? .contentType : nil
            case (12, UInt8(ascii: "m")): found = bytesEqualCaseInsensitive(b, "max-forwards") ? .maxForwards : nil
            case (12, UInt8(ascii: "r")): found = bytesEqualCaseInsensitive(b, "record-route") ? .recordRoute : nil
            case (13, UInt8(ascii: "a")):
                found = bytesEqualCaseInsensitive(b, "authorization") ? .authorization : nil
            case (13, UInt8(ascii: "p")):
                found = bytesEqualCaseInsensitive(b, "proxy-require") ? .proxyRequire : nil
            case (14, UInt8(ascii: "a")):
                found = bytesEqualCaseInsensitive(b, "accept-contact") ? .acceptContact : nil
            case (14, UInt8(ascii: "c")):
                found = bytesEqualCaseInsensitive(b, "content-length") ? .contentLength : nil
            case (14, UInt8(ascii: "r")):
                found = bytesEqualCaseInsensitive(b, "reject-contact") ? .rejectContact : nil
            case (15, UInt8(ascii: "s")):
                found = bytesEqualCaseInsensitive(b, "session-expires") ? .sessionExpires : nil
            case (16, UInt8(ascii: "c")):
                found = bytesEqualCaseInsensitive(b, "content-encoding") ? .contentEncoding : nil
            case (16, UInt8(ascii: "w")):
                found = bytesEqualCaseInsensitive(b, "www-authenticate") ? .wwwAuthenticate : nil
            case (18, UInt8(ascii: "p")):
                found = bytesEqualCaseInsensitive(b, "proxy-authenticate") ? .proxyAuthenticate : nil
            case (18, UInt8(ascii: "s")):
                found = bytesEqualCaseInsensitive(b, "subscription-state") ? .subscriptionState : nil
            case (19, UInt8(ascii: "a")):
                found = bytesEqualCaseInsensitive(b, "authentication-info") ? .authenticationInfo : nil
            case (19, UInt8(ascii: "p")):
                found = bytesEqualCaseInsensitive(b, "proxy-authorization") ? .proxyAuthorization : nil
            case (19, UInt8(ascii: "r")):
                found = bytesEqualCaseInsensitive(b, "request-disposition") ? .requestDisposition : nil
            default: found = nil
            }
            guard let found else { return nil }
            self = found
        }
    }
}
