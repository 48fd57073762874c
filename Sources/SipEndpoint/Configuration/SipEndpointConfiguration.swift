/// Everything the SDK is configured with: the connections and the policies of DESIGN.md §4.
/// `SipEndpoint.config` is one way to fill it (`SipEndpointConfig`); code can build it directly.
public struct SipEndpointConfiguration: Sendable, Hashable {
    /// The connections, in order: connection id N is `connections[N]`. Default: none.
    public var connections: [ConnectionConfiguration]
    /// `policy/endpoint`. Default: ``EndpointPolicy/init()``.
    public var endpoint: EndpointPolicy
    /// `policy/failover`. Default: ``FailoverPolicy/init()``.
    public var failover: FailoverPolicy
    /// `policy/session`. Default: ``SessionPolicy/init()``.
    public var session: SessionPolicy
    /// `system/security`. Default: ``SecurityConfiguration/init()``.
    public var security: SecurityConfiguration
    /// `system/diagnostics`. Default: ``DiagnosticsConfiguration/init()``.
    public var diagnostics: DiagnosticsConfiguration

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
    /// `rtp_inactivity_timeout`: how long an established call may receive no RTP (nor RTCP) before the
    /// SDK ends it, in seconds in the file (0 = off); nil = never. Off by default, as in the Genesys SIP
    /// Endpoint SDK and pjsua2, because a call on hold or behind a silence-suppressing peer may
    /// legitimately receive nothing for a long time. Default: nil (off).
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

    public init(
        sipTransactionTimeoutMilliseconds: Int = 4000, sipPortRange: ClosedRange<Int>? = nil,
        rtpPortRange: ClosedRange<Int>? = nil, publicAddress: String? = nil, localAddress: String = "0.0.0.0",
        dnsServers: [ServerAddress] = [], rtpInactivityTimeout: Duration? = nil,
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

/// `policy/failover`: which final responses send a dial to the next connection (DESIGN.md §1.6).
public struct FailoverPolicy: Sendable, Hashable {
    /// `retry_codes`: final responses that move a dial to the next connection. Timeouts and transport
    /// failures always do. Default: 408, 503, 504.
    public var retryCodes: Set<Int>
    /// `invite_timeout`: milliseconds an initial INVITE waits for any response (a provisional one
    /// included) before the dial gives the attempt up and moves on — the dial's own no-response
    /// timer, separate from Timer B: a late answer to the given-up INVITE is still ended (a 1xx with
    /// CANCEL, a 2xx with ACK and BYE). nil is `auto`: learned per target from its round-trip time,
    /// long enough for 4 transmissions of the INVITE plus one RTO, between 800 ms and
    /// `sip_transaction_timeout` (4 s with no round-trip sample yet; DESIGN.md §1.6).
    /// Default: nil (`auto`).
    public var inviteTimeoutMilliseconds: Int?
    /// `adaptive_t1`: whether a request's retransmission interval T1 on UDP follows its target's
    /// round-trip time (its RTO, between 100 ms and 1 s) instead of RFC 3261's 500 ms. RFC 3261
    /// §17.1.1.1 allows a T1 below 500 ms only in closed private networks, which a contact centre's
    /// links to its own SIP sites are; false restores 500 ms. Default: true.
    public var adaptiveT1: Bool

    public init(retryCodes: Set<Int> = [408, 503, 504], inviteTimeoutMilliseconds: Int? = nil, adaptiveT1: Bool = true) {
        self.retryCodes = retryCodes
        self.inviteTimeoutMilliseconds = inviteTimeoutMilliseconds
        self.adaptiveT1 = adaptiveT1
    }
}

/// `policy/session`: multi-line and DTMF policy.
public struct SessionPolicy: Sendable, Hashable {
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

    public init(
        autoAnswer: Bool = false, holdOthers: Bool = true, dtmfMethod: DTMFMethod = .rfc2833, ringTimeoutSeconds: Int = 60,
        maxRingingCalls: Int = 4
    ) {
        self.ringTimeoutSeconds = ringTimeoutSeconds
        self.maxRingingCalls = maxRingingCalls
        self.autoAnswer = autoAnswer
        self.holdOthers = holdOthers
        self.dtmfMethod = dtmfMethod
    }
}

/// `system/security`: TLS trust and client identity.
public struct SecurityConfiguration: Sendable, Hashable {
    /// `tls_ca_file`: PEM file of trusted CAs; nil = the system's. Default: nil.
    public var tlsCAFile: String?
    /// `tls_verify`: verify the server certificate and host name. Default: true.
    public var tlsVerify: Bool
    /// `tls_cert_file`: PEM client certificate. Default: nil.
    public var tlsCertificateFile: String?
    /// `tls_key_file`: PEM key of the client certificate. Default: nil.
    public var tlsKeyFile: String?

    public init(tlsCAFile: String? = nil, tlsVerify: Bool = true, tlsCertificateFile: String? = nil, tlsKeyFile: String? = nil) {
        self.tlsCAFile = tlsCAFile
        self.tlsVerify = tlsVerify
        self.tlsCertificateFile = tlsCertificateFile
        self.tlsKeyFile = tlsKeyFile
    }
}

/// `system/diagnostics`: logging. The library logs through the `Logger` given to ``Phone``; QuickStart
/// builds it from these settings with ``FileLogHandler`` (a file opened append-only with mode 0600).
public struct DiagnosticsConfiguration: Sendable, Hashable {
    public enum LogLevel: String, Sendable, Hashable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
    }

    /// `log_level`. Default: info.
    public var logLevel: LogLevel
    /// `log_file`: path of the log file (appended to, mode 0600); nil = standard error. Default: nil.
    public var logFile: String?

    public init(logLevel: LogLevel = .info, logFile: String? = nil) {
        self.logLevel = logLevel
        self.logFile = logFile
    }
}
