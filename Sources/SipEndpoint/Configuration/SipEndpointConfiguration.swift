/// Everything the SDK is configured with: the connections and the phone-wide policies.
/// `SipEndpoint.config` is one way to fill it (`SipEndpointConfig`); code can build it directly.
public struct SipEndpointConfiguration: Sendable, Hashable {
    /// The connections, in order: connection id N is `connections[N]`. Default: none.
    public var connections: [ConnectionConfiguration]
    /// `policy/endpoint`. Default: `EndpointPolicy()` (every setting's default).
    public var endpoint: EndpointPolicy
    /// `policy/failover`. Default: `FailoverPolicy()` (every setting's default).
    public var failover: FailoverPolicy
    /// `policy/session`. Default: `SessionPolicy()` (every setting's default).
    public var session: SessionPolicy
    /// `system/security`. Default: `SecurityConfiguration()` (every setting's default).
    public var security: SecurityConfiguration
    /// `system/diagnostics`. Default: `DiagnosticsConfiguration()` (every setting's default).
    public var diagnostics: DiagnosticsConfiguration

    /// Makes a configuration from its parts, unchecked (the `SipEndpoint.config` loader checks the file's
    /// values).
    /// - Parameters:
    ///   - connections: The connections; connection id N is element N. Default: [] (none).
    ///   - endpoint: `policy/endpoint`. Default: `EndpointPolicy()` (every setting's default).
    ///   - failover: `policy/failover`. Default: `FailoverPolicy()` (every setting's default).
    ///   - session: `policy/session`. Default: `SessionPolicy()` (every setting's default).
    ///   - security: `system/security`. Default: `SecurityConfiguration()` (every setting's default).
    ///   - diagnostics: `system/diagnostics`. Default: `DiagnosticsConfiguration()` (every setting's default).
    public init(
        connections: [ConnectionConfiguration] = [], endpoint: EndpointPolicy = EndpointPolicy(),
        failover: FailoverPolicy = FailoverPolicy(), session: SessionPolicy = SessionPolicy(),
        security: SecurityConfiguration = SecurityConfiguration(),
        diagnostics: DiagnosticsConfiguration = DiagnosticsConfiguration()
    ) {
        self.connections = connections
        self.endpoint = endpoint
        self.failover = failover
        self.session = session
        self.security = security
        self.diagnostics = diagnostics
    }
}

/// `policy/endpoint`: local addresses, ports, timers and DNS.
public struct EndpointPolicy: Sendable, Hashable {
    /// `sip_transaction_timeout`: milliseconds a client transaction waits for any response before it
    /// is a local timeout; caps Timer B and F (RFC 3261's 32 s is too slow for site fallback). Default: 4000.
    public var sipTransactionTimeoutMilliseconds: Int
    /// `sip_port_min`, `sip_port_max`: local SIP port range; nil = any free port. Default: nil.
    public var sipPortRange: ClosedRange<Int>?
    /// `rtp_port_min`, `rtp_port_max`: local RTP port range; nil = any free port. Default: nil.
    public var rtpPortRange: ClosedRange<Int>?
    /// `public_address`: the address put in Via/Contact/SDP instead of the local one. Default: nil.
    public var publicAddress: String?
    /// `local_address`: the local address to bind every socket to: SIP listeners, outgoing TCP/TLS
    /// connections, RTP and DNS queries. Default: "0.0.0.0".
    public var localAddress: String
    /// `dns_servers`: DNS servers (`host[:port]`) used instead of the system's. Default: none (system).
    public var dnsServers: [ServerAddress]
    /// `rtp_inactivity_timeout`: how long a connected call may receive no media — RTP, RTCP or comfort
    /// noise — before the SDK ends it, in seconds in the file (0 = off); nil = never. A held call is
    /// not counted and its timer starts over on retrieve. A call whose media stopped ends with
    /// sipError 408 when its connection has failed too (a dead site), with `mediaTimeout` otherwise.
    /// RTCP counts, so a silence-suppressing peer that still reports (RFC 3550 §6.2) is not cut.
    /// Default: 30 s.
    public var rtpInactivityTimeout: Duration?
    /// `unsolicited_requests`: what a request outside any dialog gets when it neither comes from one
    /// of the connections' sites nor is addressed to a Contact the phone registered. Default: drop.
    public var unsolicitedRequests: UnsolicitedRequests

    /// What strangers get (see ``unsolicitedRequests``).
    public enum UnsolicitedRequests: String, Sendable, Hashable, CaseIterable {
        /// No answer at all: a scanner learns nothing, not even that a SIP stack listens here.
        case drop
        /// 403 Forbidden.
        case reject
        /// Taken like a site's request, routed by the Request-URI's user (labs only).
        case accept
    }

    /// Makes the endpoint policy; each parameter sets the property of the same name.
    /// - Parameters:
    ///   - sipTransactionTimeoutMilliseconds: `sip_transaction_timeout`, milliseconds. Default: 4000.
    ///   - sipPortRange: `sip_port_min`…`sip_port_max`. Default: nil (any free port).
    ///   - rtpPortRange: `rtp_port_min`…`rtp_port_max`. Default: nil (any free port).
    ///   - publicAddress: `public_address`. Default: nil (the local address).
    ///   - localAddress: `local_address`, the address every socket binds to. Default: "0.0.0.0".
    ///   - dnsServers: `dns_servers`. Default: [] (the system's).
    ///   - rtpInactivityTimeout: `rtp_inactivity_timeout`; nil = never. Default: 30 s.
    ///   - unsolicitedRequests: `unsolicited_requests`. Default: `.drop`.
    public init(
        sipTransactionTimeoutMilliseconds: Int = 4000, sipPortRange: ClosedRange<Int>? = nil,
        rtpPortRange: ClosedRange<Int>? = nil, publicAddress: String? = nil, localAddress: String = "0.0.0.0",
        dnsServers: [ServerAddress] = [], rtpInactivityTimeout: Duration? = .seconds(30),
        unsolicitedRequests: UnsolicitedRequests = .drop
    ) {
        self.unsolicitedRequests = unsolicitedRequests
        self.sipTransactionTimeoutMilliseconds = sipTransactionTimeoutMilliseconds
        self.sipPortRange = sipPortRange
        self.rtpPortRange = rtpPortRange
        self.publicAddress = publicAddress
        self.localAddress = localAddress
        self.dnsServers = dnsServers
        self.rtpInactivityTimeout = rtpInactivityTimeout
    }
}

/// `policy/failover`: which final responses send a dial to the next connection.
public struct FailoverPolicy: Sendable, Hashable {
    /// `retry_codes`: final responses that move a dial to the next connection. Timeouts and transport
    /// failures always do. Default: 408, 503, 504.
    public var retryCodes: Set<Int>
    /// `invite_timeout`: milliseconds an initial INVITE waits for any response (a provisional one
    /// included) before the dial gives the attempt up and moves on — the dial's own no-response
    /// timer, separate from Timer B: a late answer to the given-up INVITE is still ended (a 1xx with
    /// CANCEL, a 2xx with ACK and BYE). nil is `auto`: learned per target from its round-trip time,
    /// long enough for 4 transmissions of the INVITE plus one RTO, between 800 ms and
    /// `sip_transaction_timeout` (4 s with no round-trip sample yet). Default: nil (`auto`).
    public var inviteTimeoutMilliseconds: Int?
    /// `adaptive_t1`: whether a request's retransmission interval T1 on UDP follows its target's
    /// round-trip time (its RTO, between 100 ms and 1 s) instead of RFC 3261's 500 ms. RFC 3261
    /// §17.1.1.1 allows a T1 below 500 ms only in closed private networks, which a contact centre's
    /// links to its own SIP sites are; false restores 500 ms. Default: true.
    public var adaptiveT1: Bool
    /// `flap_window`: seconds; the half-life of a connection's flap penalty (RFC 2439 style damping,
    /// ``ConnectionStatus/recovering``): a second failure within about this long of the first makes the
    /// connection's next recovery `recovering` instead of `ready`, and recent failures are forgotten
    /// at this pace. 0 = no damping (every recovery is `ready` at once). nil = auto: 10 × the
    /// connection's `options_interval` (100 s with probes off). Default: nil (auto).
    public var flapWindowSeconds: Int? = nil
    /// `flap_hold_down_max`: seconds; the longest any history of failures keeps a connection that
    /// answers `recovering`. nil = auto: 30 × the connection's `options_interval` (300 s with probes
    /// off). Default: nil (auto).
    public var flapHoldDownMaxSeconds: Int? = nil
    /// `mode`: how a line's connections share the work. Default: active-active.
    public var mode: Mode = .activeActive
    /// `failback` (active-standby): move back to the primary by itself after
    /// ``failbackHoldDownSeconds`` of unbroken health (`auto`), or only when asked (`manual`).
    /// Default: auto.
    public var failback: Failback = .automatic
    /// `failback_hold_down`: seconds the primary must answer its probes without a break before an
    /// automatic failback. Default: 30.
    public var failbackHoldDownSeconds: Int = 30
    /// `failback_order`: make-before-break (register the new active connection first: no moment
    /// without a binding) or break-before-make (un-register first, for registrars that refuse a second
    /// binding for the DN). Default: make-before-break.
    public var failbackOrder: FailbackOrder = .makeBeforeBreak

    /// `policy/failover/mode`.
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// Every connection of a line registers at once (the Genesys SIP Endpoint SDK's model).
        case activeActive = "active-active"
        /// One connection per line registers (the first, the primary); the others are probed standbys
        /// that take over when it fails (``ConnectionStatus/standby``).
        case activeStandby = "active-standby"
    }

    /// `policy/failover/failback`.
    public enum Failback: String, Sendable, Hashable, CaseIterable {
        /// `auto`: back to the primary once it has answered its probes for `failback_hold_down`.
        case automatic = "auto"
        /// `manual`: stay on the standby until the application asks.
        case manual
    }

    /// `policy/failover/failback_order`.
    public enum FailbackOrder: String, Sendable, Hashable, CaseIterable {
        /// Register the new active connection first, then un-register the old: no moment without a binding.
        case makeBeforeBreak = "make-before-break"
        /// Un-register the old first, then register the new: for registrars that refuse a second binding.
        case breakBeforeMake = "break-before-make"
    }

    /// `duplicate_call_header`: the header that correlates the copies of one customer call delivered
    /// by both sites (each a B2BUA, so the copies have different Call-IDs), e.g. X-Genesys-CallUUID.
    /// A second INVITE for the same line with the same value, while the first exists, does not ring:
    /// it gets ``duplicateCallResponse``; if the first's connection has failed, the new copy replaces
    /// it (the first is ended). nil or empty: off. Default: nil.
    public var duplicateCallHeader: String?
    /// `duplicate_call_response`: the final response a refused copy gets (400–699). Default: 486.
    public var duplicateCallResponse: Int

    /// Makes the failover policy; each parameter sets the property of the same name. ``flapWindowSeconds``
    /// and ``flapHoldDownMaxSeconds`` are not parameters: they start nil (auto) and are set afterwards.
    /// - Parameters:
    ///   - retryCodes: `retry_codes`: final responses that move a dial on. Default: 408, 503, 504.
    ///   - inviteTimeoutMilliseconds: `invite_timeout`, milliseconds. Default: nil (`auto`, learned per
    ///     target from its round-trip time).
    ///   - adaptiveT1: `adaptive_t1`: UDP's T1 follows each target's round trip. Default: true.
    ///   - duplicateCallHeader: `duplicate_call_header`. Default: nil (duplicate detection off).
    ///   - duplicateCallResponse: `duplicate_call_response`, 400–699. Default: 486.
    public init(
        retryCodes: Set<Int> = [408, 503, 504], inviteTimeoutMilliseconds: Int? = nil, adaptiveT1: Bool = true,
        duplicateCallHeader: String? = nil, duplicateCallResponse: Int = 486
    ) {
        self.retryCodes = retryCodes
        self.inviteTimeoutMilliseconds = inviteTimeoutMilliseconds
        self.adaptiveT1 = adaptiveT1
        self.duplicateCallHeader = duplicateCallHeader
        self.duplicateCallResponse = duplicateCallResponse
    }
}

/// `policy/session`: multi-line and DTMF policy.
public struct SessionPolicy: Sendable, Hashable {
    /// `dtmf_method`: how ``Session/sendDTMF(_:)`` sends digits (`rfc2833` or `info`, any case). Received
    /// digits are taken either way.
    public enum DTMFMethod: String, Sendable, Hashable, CaseIterable {
        /// RFC 4733 telephone-events in RTP ("rfc2833" in the Genesys configuration).
        case rfc2833
        /// SIP INFO with `application/dtmf-relay`.
        case info
    }

    /// `auto_answer`: answer incoming calls at once. Default: false.
    public var autoAnswer: Bool
    /// `hold_others`: answering or dialling puts the other connected calls on hold. Default: true.
    public var holdOthers: Bool
    /// `dtmf_method`. Default: rfc2833.
    public var dtmfMethod: DTMFMethod
    /// `ring_timeout`: seconds an unanswered incoming call rings before it ends with 480 Temporarily
    /// Unavailable; 0 = until the caller gives up. Default: 60.
    public var ringTimeoutSeconds: Int
    /// `max_ringing_calls`: how many incoming calls may ring at once on one agent's line; one more is
    /// refused with 486 Busy Here. Default: 4.
    public var maxRingingCalls: Int
    /// `session_expires`: the session interval (RFC 4028 session timers) offered in every INVITE with
    /// `Supported: timer`, in seconds; the negotiation's refresher refreshes at half of it (UPDATE when
    /// the peer allows it, else re-INVITE). A peer that answers without Session-Expires gets no expiry
    /// (§7.2). Min-SE is 90 (§5). 0: not offered (a peer's Session-Expires is still honoured).
    /// Default: 1800.
    public var sessionExpiresSeconds: Int

    /// Makes the session policy; each parameter sets the property of the same name.
    /// - Parameters:
    ///   - autoAnswer: `auto_answer`: answer incoming calls at once. Default: false.
    ///   - holdOthers: `hold_others`: answering or dialling holds the other connected calls. Default: true.
    ///   - dtmfMethod: `dtmf_method`. Default: `.rfc2833`.
    ///   - ringTimeoutSeconds: `ring_timeout`, seconds; 0 = until the caller gives up. Default: 60.
    ///   - maxRingingCalls: `max_ringing_calls`, per agent's line. Default: 4.
    ///   - sessionExpiresSeconds: `session_expires`, seconds (RFC 4028); 0 = not offered. Default: 1800.
    public init(
        autoAnswer: Bool = false, holdOthers: Bool = true, dtmfMethod: DTMFMethod = .rfc2833,
        ringTimeoutSeconds: Int = 60,
        maxRingingCalls: Int = 4, sessionExpiresSeconds: Int = 1800
    ) {
        self.sessionExpiresSeconds = sessionExpiresSeconds
        self.ringTimeoutSeconds = ringTimeoutSeconds
        self.maxRingingCalls = maxRingingCalls
        self.autoAnswer = autoAnswer
        self.holdOthers = holdOthers
        self.dtmfMethod = dtmfMethod
    }
}

/// `system/security`: TLS trust and client identity, and SRTP for the media.
public struct SecurityConfiguration: Sendable, Hashable {
    /// `use_srtp`: whether calls' audio is SRTP with SDES keys (RFC 3711, RFC 4568).
    public enum SRTPUse: String, Sendable, Hashable, CaseIterable {
        /// Plain RTP; an offer with only `RTP/SAVP` is refused with 488.
        case disabled
        /// Best effort (pjsip's `srtp_use=2`): offer `RTP/AVP` with keys; SRTP whenever the peer has
        /// keys, plain RTP with a peer that has none.
        case optional
        /// SRTP or no call: offer `RTP/SAVP`; an offer without keys gets 488, an answer without them
        /// ends the call. The keys travel in the SDP, so every connection must be TLS (`validate`
        /// refuses another transport).
        case mandatory
    }

    /// `use_srtp`. Default: disabled.
    public var useSRTP: SRTPUse
    /// `srtp_key_log`: a file (created 0600, appended to) that gets one JSON line per stream
    /// direction and SRTP key, for decrypting a capture when troubleshooting, as TLS key logs do.
    /// Anyone with the file and a capture hears the calls. Default: nil (off).
    public var srtpKeyLog: String?
    /// `tls_ca_file`: PEM file of trusted CAs; nil = the system's. Default: nil.
    public var tlsCAFile: String?
    /// `tls_verify`: verify the server certificate and host name. Default: true.
    public var tlsVerify: Bool
    /// `tls_cert_file`: PEM client certificate. Default: nil.
    public var tlsCertificateFile: String?
    /// `tls_key_file`: PEM key of the client certificate. Default: nil.
    public var tlsKeyFile: String?

    /// Makes the security configuration; each parameter sets the property of the same name. No file is
    /// read here.
    /// - Parameters:
    ///   - tlsCAFile: `tls_ca_file`, a PEM file of trusted CAs. Default: nil (the system's).
    ///   - tlsVerify: `tls_verify`: check the server's certificate and host name. Default: true.
    ///   - tlsCertificateFile: `tls_cert_file`, PEM client certificate. Default: nil (none sent).
    ///   - tlsKeyFile: `tls_key_file`, PEM key of that certificate. Default: nil.
    ///   - useSRTP: `use_srtp`. Default: `.disabled`.
    ///   - srtpKeyLog: `srtp_key_log`, a path. Default: nil (no keys written).
    public init(
        tlsCAFile: String? = nil, tlsVerify: Bool = true, tlsCertificateFile: String? = nil, tlsKeyFile: String? = nil,
        useSRTP: SRTPUse = .disabled, srtpKeyLog: String? = nil
    ) {
        self.useSRTP = useSRTP
        self.srtpKeyLog = srtpKeyLog
        self.tlsCAFile = tlsCAFile
        self.tlsVerify = tlsVerify
        self.tlsCertificateFile = tlsCertificateFile
        self.tlsKeyFile = tlsKeyFile
    }
}

/// `system/diagnostics`: logging. The library logs through the `Logger` given to ``Phone``; QuickStart
/// builds it from these settings with ``FileLogHandler`` (a file opened append-only with mode 0600).
public struct DiagnosticsConfiguration: Sendable, Hashable {
    /// `log_level`: the mildest record logged (swift-log's levels, mildest first). The file takes the
    /// names in any case, or the Genesys numbers 0–4 (critical, error, warning, info, debug).
    public enum LogLevel: String, Sendable, Hashable, CaseIterable {
        /// Every record, the most detailed included.
        case trace
        /// Troubleshooting detail (a media source that finished, …), and every more severe level.
        case debug
        /// The course of connections and calls (each session's status change), and every more severe level.
        case info
        /// Network input dropped or refused (a malformed message, a TLS connection without a handshake),
        /// and every more severe level.
        case notice
        /// Trouble the SDK works around (a call ended for lack of media, incoming calls a slow reader
        /// missed), and every more severe level.
        case warning
        /// Operations that failed (a call without an RTP session, a key log that cannot be opened), and
        /// `critical`.
        case error
        /// Only records of the highest severity (the SDK emits none of its own).
        case critical
    }

    /// `log_level`. Default: info.
    public var logLevel: LogLevel
    /// `log_file`: path of the log file (appended to, mode 0600); nil = standard error. Default: nil.
    public var logFile: String?

    /// Makes the diagnostics configuration.
    /// - Parameters:
    ///   - logLevel: `log_level`. Default: `.info`.
    ///   - logFile: `log_file`, a path. Default: nil (standard error).
    public init(logLevel: LogLevel = .info, logFile: String? = nil) {
        self.logLevel = logLevel
        self.logFile = logFile
    }
}
