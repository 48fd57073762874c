/// A header field name. Known names (RFC 3261 §20 and the extensions this SDK speaks) are recognised
/// from their long or compact form (§7.3.3) in any case; any other name is kept as written and
/// compared case-insensitively (§7.3.1).
public struct SIPHeaderName: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    @usableFromInline let known: Known?
    /// The canonical long form for a known header, however it was written (`m` reads `Contact`); the name as
    /// written otherwise.
    public let rawName: String

    /// A header name from text: a known name in its long or compact form, in any case, becomes that known
    /// header (and ``rawName`` its canonical long form, so `"m"` and `"CONTACT"` both read `Contact`);
    /// any other name is kept exactly as given and compared case-insensitively. Never fails.
    public init(_ name: String) {
        let known =
            name.utf8.withContiguousStorageIfAvailable { Known(bytes: UnsafeRawBufferPointer($0)) }
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

    /// `Accept` (no compact form), RFC 3261 §20.1: the body media types the sender accepts in a response.
    public static let accept = SIPHeaderName(known: .accept)
    /// `Accept-Contact` (compact form `a`), RFC 3841: caller preferences for the Contacts a request may reach.
    public static let acceptContact = SIPHeaderName(known: .acceptContact)
    /// `Allow` (no compact form), RFC 3261 §20.5: the methods the sender's user agent supports.
    public static let allow = SIPHeaderName(known: .allow)
    /// `Allow-Events` (compact form `u`), RFC 6665 §8.2.2: the event packages the sender supports.
    public static let allowEvents = SIPHeaderName(known: .allowEvents)
    /// `Authentication-Info` (no compact form), RFC 3261 §20.6: mutual-authentication data after a successful
    /// Digest exchange (next nonce, `rspauth`); parameters with no scheme.
    public static let authenticationInfo = SIPHeaderName(known: .authenticationInfo)
    /// `Authorization` (no compact form), RFC 3261 §20.7: the user agent's credentials for a registrar or UAS
    /// that challenged with `WWW-Authenticate`.
    public static let authorization = SIPHeaderName(known: .authorization)
    /// `Call-ID` (compact form `i`), RFC 3261 §20.8: identifies all messages of one dialog or registration.
    public static let callID = SIPHeaderName(known: .callID)
    /// `Contact` (compact form `m`), RFC 3261 §20.10: where the sender can be reached (or `*` in a REGISTER
    /// that removes every binding).
    public static let contact = SIPHeaderName(known: .contact)
    /// `Content-Encoding` (compact form `e`), RFC 3261 §20.12: the codings applied to the body.
    public static let contentEncoding = SIPHeaderName(known: .contentEncoding)
    /// `Content-Length` (compact form `l`), RFC 3261 §20.14: the body size in octets (mandatory on stream
    /// transports, §18.3).
    public static let contentLength = SIPHeaderName(known: .contentLength)
    /// `Content-Type` (compact form `c`), RFC 3261 §20.15: the media type of the body.
    public static let contentType = SIPHeaderName(known: .contentType)
    /// `CSeq` (no compact form), RFC 3261 §20.16: sequence number and method; orders requests in a dialog and
    /// matches a response to its request.
    public static let cseq = SIPHeaderName(known: .cseq)
    /// `Event` (compact form `o`), RFC 6665 §8.2.1: the event package of a SUBSCRIBE or NOTIFY.
    public static let event = SIPHeaderName(known: .event)
    /// `Expires` (no compact form), RFC 3261 §20.19: the lifetime, in seconds, of a registration, subscription
    /// or invitation.
    public static let expires = SIPHeaderName(known: .expires)
    /// `From` (compact form `f`), RFC 3261 §20.20: the initiator of the request, with its dialog `tag`.
    public static let from = SIPHeaderName(known: .from)
    /// `Identity` (compact form `y`), RFC 8224 §4: a STIR signature (PASSporT) over the caller's identity.
    public static let identity = SIPHeaderName(known: .identity)
    /// `Max-Forwards` (no compact form), RFC 3261 §20.22: how many more hops a request may take (usually 70).
    public static let maxForwards = SIPHeaderName(known: .maxForwards)
    /// `Min-Expires` (no compact form), RFC 3261 §20.23: in a 423 response, the shortest registration interval,
    /// in seconds, the registrar accepts.
    public static let minExpires = SIPHeaderName(known: .minExpires)
    /// `Proxy-Authenticate` (no compact form), RFC 3261 §20.27: a proxy's challenge, in a 407 response.
    public static let proxyAuthenticate = SIPHeaderName(known: .proxyAuthenticate)
    /// `Proxy-Authorization` (no compact form), RFC 3261 §20.28: credentials answering a `Proxy-Authenticate`
    /// challenge.
    public static let proxyAuthorization = SIPHeaderName(known: .proxyAuthorization)
    /// `Proxy-Require` (no compact form), RFC 3261 §20.29: option tags the proxies must support.
    public static let proxyRequire = SIPHeaderName(known: .proxyRequire)
    /// `Record-Route` (no compact form), RFC 3261 §20.30: proxies that stay on the path of the dialog; becomes
    /// the dialog's route set.
    public static let recordRoute = SIPHeaderName(known: .recordRoute)
    /// `Refer-To` (compact form `r`), RFC 3515 §2.1: in a REFER, the URI the recipient should contact.
    public static let referTo = SIPHeaderName(known: .referTo)
    /// `Referred-By` (compact form `b`), RFC 3892: who asked for the transfer that led to this request.
    public static let referredBy = SIPHeaderName(known: .referredBy)
    /// `Reject-Contact` (compact form `j`), RFC 3841: caller preferences for the Contacts a request must not
    /// reach.
    public static let rejectContact = SIPHeaderName(known: .rejectContact)
    /// `Request-Disposition` (compact form `d`), RFC 3841: how proxies should handle the request (proxy or
    /// redirect, fork or not, parallel or sequential).
    public static let requestDisposition = SIPHeaderName(known: .requestDisposition)
    /// `Require` (no compact form), RFC 3261 §20.32: option tags the recipient must support, or it answers 420.
    public static let require = SIPHeaderName(known: .require)
    /// `Retry-After` (no compact form), RFC 3261 §20.33: in seconds, when the request may be tried again.
    public static let retryAfter = SIPHeaderName(known: .retryAfter)
    /// `Route` (no compact form), RFC 3261 §20.34: the proxies a request must pass through, in order.
    public static let route = SIPHeaderName(known: .route)
    /// `Server` (no compact form), RFC 3261 §20.35: the software of the UAS that answered.
    public static let server = SIPHeaderName(known: .server)
    /// `Session-Expires` (compact form `x`), RFC 4028 §4: the session timer interval in seconds and its
    /// `refresher`.
    public static let sessionExpires = SIPHeaderName(known: .sessionExpires)
    /// `Subject` (compact form `s`), RFC 3261 §20.36: a summary of the call.
    public static let subject = SIPHeaderName(known: .subject)
    /// `Subscription-State` (no compact form), RFC 6665 §8.2.3: in a NOTIFY, whether the subscription is
    /// active, pending or terminated.
    public static let subscriptionState = SIPHeaderName(known: .subscriptionState)
    /// `Supported` (compact form `k`), RFC 3261 §20.37: the option tags the sender supports.
    public static let supported = SIPHeaderName(known: .supported)
    /// `To` (compact form `t`), RFC 3261 §20.39: the logical recipient of the request, with the remote dialog
    /// `tag` once there is one.
    public static let to = SIPHeaderName(known: .to)
    /// `Unsupported` (no compact form), RFC 3261 §20.40: in a 420 response, the required option tags the UAS
    /// does not support.
    public static let unsupported = SIPHeaderName(known: .unsupported)
    /// `User-Agent` (no compact form), RFC 3261 §20.41: the software of the UAC that sent the request.
    public static let userAgent = SIPHeaderName(known: .userAgent)
    /// `Via` (compact form `v`), RFC 3261 §20.42: the path taken so far, where responses must be sent back.
    public static let via = SIPHeaderName(known: .via)
    /// `Warning` (no compact form), RFC 3261 §20.43: extra detail about a response's status (code, agent, text).
    public static let warning = SIPHeaderName(known: .warning)
    /// `WWW-Authenticate` (no compact form), RFC 3261 §20.44: a registrar's or UAS's challenge, in a 401
    /// response.
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

        /// Recognises a name from any bytes (nil unless they are all token characters).
        @inlinable
        init?(bytes b: UnsafeRawBufferPointer) {
            guard b.allSatisfy(\.isSIPToken) else { return nil }
            self.init(tokenBytes: b)
        }

        /// Recognises a name from bytes already known to be token characters, without allocating:
        /// dispatch on length and first letter, then one case-insensitive comparison a word at a time.
        @inlinable
        init?(tokenBytes b: UnsafeRawBufferPointer) {
            guard let first = b.first else { return nil }
            if b.count == 1 {
                guard let k = Known.compact(first) else { return nil }
                self = k
                return
            }
            let found: Known?
            switch (b.count, first.asciiLowercased) {
            case (2, UInt8(ascii: "t")): found = tokenEqualsLowercase(b, "to") ? .to : nil
            case (3, UInt8(ascii: "v")): found = tokenEqualsLowercase(b, "via") ? .via : nil
            case (4, UInt8(ascii: "c")): found = tokenEqualsLowercase(b, "cseq") ? .cseq : nil
            case (4, UInt8(ascii: "f")): found = tokenEqualsLowercase(b, "from") ? .from : nil
            case (5, UInt8(ascii: "a")): found = tokenEqualsLowercase(b, "allow") ? .allow : nil
            case (5, UInt8(ascii: "e")): found = tokenEqualsLowercase(b, "event") ? .event : nil
            case (5, UInt8(ascii: "r")): found = tokenEqualsLowercase(b, "route") ? .route : nil
            case (6, UInt8(ascii: "a")): found = tokenEqualsLowercase(b, "accept") ? .accept : nil
            case (6, UInt8(ascii: "s")): found = tokenEqualsLowercase(b, "server") ? .server : nil
            case (7, UInt8(ascii: "c")):
                found =
                    tokenEqualsLowercase(b, "call-id")
                    ? .callID
                    : tokenEqualsLowercase(b, "contact") ? .contact : nil
            case (7, UInt8(ascii: "e")): found = tokenEqualsLowercase(b, "expires") ? .expires : nil
            case (7, UInt8(ascii: "r")): found = tokenEqualsLowercase(b, "require") ? .require : nil
            case (7, UInt8(ascii: "s")): found = tokenEqualsLowercase(b, "subject") ? .subject : nil
            case (7, UInt8(ascii: "w")): found = tokenEqualsLowercase(b, "warning") ? .warning : nil
            case (8, UInt8(ascii: "i")): found = tokenEqualsLowercase(b, "identity") ? .identity : nil
            case (8, UInt8(ascii: "r")): found = tokenEqualsLowercase(b, "refer-to") ? .referTo : nil
            case (9, UInt8(ascii: "s")): found = tokenEqualsLowercase(b, "supported") ? .supported : nil
            case (10, UInt8(ascii: "u")): found = tokenEqualsLowercase(b, "user-agent") ? .userAgent : nil
            case (11, UInt8(ascii: "m")): found = tokenEqualsLowercase(b, "min-expires") ? .minExpires : nil
            case (11, UInt8(ascii: "r")):
                found =
                    tokenEqualsLowercase(b, "retry-after")
                    ? .retryAfter
                    : tokenEqualsLowercase(b, "referred-by") ? .referredBy : nil
            case (11, UInt8(ascii: "u")): found = tokenEqualsLowercase(b, "unsupported") ? .unsupported : nil
            case (12, UInt8(ascii: "a")): found = tokenEqualsLowercase(b, "allow-events") ? .allowEvents : nil
            case (12, UInt8(ascii: "c")): found = tokenEqualsLowercase(b, "content-type") ? .contentType : nil
            case (12, UInt8(ascii: "m")): found = tokenEqualsLowercase(b, "max-forwards") ? .maxForwards : nil
            case (12, UInt8(ascii: "r")): found = tokenEqualsLowercase(b, "record-route") ? .recordRoute : nil
            case (13, UInt8(ascii: "a")):
                found = tokenEqualsLowercase(b, "authorization") ? .authorization : nil
            case (13, UInt8(ascii: "p")):
                found = tokenEqualsLowercase(b, "proxy-require") ? .proxyRequire : nil
            case (14, UInt8(ascii: "a")):
                found = tokenEqualsLowercase(b, "accept-contact") ? .acceptContact : nil
            case (14, UInt8(ascii: "c")):
                found = tokenEqualsLowercase(b, "content-length") ? .contentLength : nil
            case (14, UInt8(ascii: "r")):
                found = tokenEqualsLowercase(b, "reject-contact") ? .rejectContact : nil
            case (15, UInt8(ascii: "s")):
                found = tokenEqualsLowercase(b, "session-expires") ? .sessionExpires : nil
            case (16, UInt8(ascii: "c")):
                found = tokenEqualsLowercase(b, "content-encoding") ? .contentEncoding : nil
            case (16, UInt8(ascii: "w")):
                found = tokenEqualsLowercase(b, "www-authenticate") ? .wwwAuthenticate : nil
            case (18, UInt8(ascii: "p")):
                found = tokenEqualsLowercase(b, "proxy-authenticate") ? .proxyAuthenticate : nil
            case (18, UInt8(ascii: "s")):
                found = tokenEqualsLowercase(b, "subscription-state") ? .subscriptionState : nil
            case (19, UInt8(ascii: "a")):
                found = tokenEqualsLowercase(b, "authentication-info") ? .authenticationInfo : nil
            case (19, UInt8(ascii: "p")):
                found = tokenEqualsLowercase(b, "proxy-authorization") ? .proxyAuthorization : nil
            case (19, UInt8(ascii: "r")):
                found = tokenEqualsLowercase(b, "request-disposition") ? .requestDisposition : nil
            default: found = nil
            }
            guard let found else { return nil }
            self = found
        }
    }
}
