import NIOCore
import SIPCore

/// The policy of one INVITE session: timers of RFC 3261 §13 and §14 and the capabilities it
/// advertises. A value; every field has its default.
package struct InviteSessionConfiguration: Hashable, Sendable {
    /// T1 (§17.1.1.1): the first interval of the UAS's 2xx retransmission (§13.3.1.4) and the
    /// unit of the 64·T1 waits (ACK, the final response after CANCEL). Default: 500 ms.
    package var t1: TimeAmount

    /// T2: the longest interval between 2xx retransmissions (§13.3.1.4). Default: 4 s.
    package var t2: TimeAmount

    /// The methods this UA accepts, sent in Allow with INVITE, 2xx and 405 (§20.5). Default:
    /// INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY.
    package var allow: [SIPMethod] { didSet { allowValue = Self.allowValue(allow) } }

    /// Option tags for Supported (§20.37); empty leaves the header out. Default: none (`timer` is
    /// added while ``sessionTimers`` is set).
    package var supported: [String] { didSet { supportedValue = Self.supportedValue(supported, sessionTimers) } }

    /// Session timers (RFC 4028) offered in our INVITEs and honoured in the peer's; nil: not
    /// offered (a peer's Session-Expires is still honoured). Default: ``SessionTimerPolicy/init()``.
    package var sessionTimers: SessionTimerPolicy? {
        didSet { supportedValue = Self.supportedValue(supported, sessionTimers) }
    }

    /// User-Agent and Server header value. Default: "SipEndpoint".
    package var userAgent: String

    /// How many times a re-INVITE answered 491 is tried again after the §14.1 wait before the
    /// change is given up (glare between two UAs that both insist). Default: 5.
    package var maximumGlareRetries: Int

    /// How long an incoming call may ring unanswered before it is ended with 480 Temporarily
    /// Unavailable; nil rings until the caller gives up. Default: 60 s.
    package var ringTimeout: TimeAmount?

    package static let defaultAllow: [SIPMethod] = [.invite, .ack, .cancel, .bye, .options, .info, .refer, .notify]

    package init(
        t1: TimeAmount = .milliseconds(500), t2: TimeAmount = .seconds(4),
        allow: [SIPMethod] = InviteSessionConfiguration.defaultAllow, supported: [String] = [],
        userAgent: String = "SipEndpoint", maximumGlareRetries: Int = 5, ringTimeout: TimeAmount? = .seconds(60),
        sessionTimers: SessionTimerPolicy? = SessionTimerPolicy()
    ) {
        self.sessionTimers = sessionTimers
        self.ringTimeout = ringTimeout
        self.t1 = t1
        self.t2 = t2
        self.allow = allow
        self.supported = supported
        self.userAgent = userAgent
        self.maximumGlareRetries = maximumGlareRetries
        allowValue = Self.allowValue(allow)
        supportedValue = Self.supportedValue(supported, sessionTimers)
    }

    /// 64·T1: how long a 2xx waits for its ACK, and a CANCEL for the INVITE's final response.
    /// Default: 32 s.
    package var sixtyFourT1: TimeAmount { 64 * t1 }

    /// The Allow header's value, kept with ``allow``: every INVITE and 2xx carries it.
    private(set) var allowValue = ""

    /// The Supported header's value (RFC 4028 §7.1: `timer` while session timers are offered); nil:
    /// none. Kept with ``supported`` and ``sessionTimers``.
    private(set) var supportedValue: String?

    private static func allowValue(_ allow: [SIPMethod]) -> String { allow.map(\.rawValue).joined(separator: ", ") }

    private static func supportedValue(_ supported: [String], _ sessionTimers: SessionTimerPolicy?) -> String? {
        let tags = supported + (sessionTimers != nil && !supported.contains("timer") ? ["timer"] : [])
        return tags.isEmpty ? nil : tags.joined(separator: ", ")
    }
}
