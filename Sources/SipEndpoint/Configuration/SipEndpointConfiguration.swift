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

    public init(
        sipTransactionTimeoutMilliseconds: Int = 4000, sipPortRange: ClosedRange<Int>? = nil,
        rtpPortRange: ClosedRange<Int>? = nil, publicAddress: String? = nil, localAddress: String = "0.0.0.0",
        dnsServers: [ServerAddress] = [], rtpInactivityTimeout: Duration? = nil
    ) {
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
    /// included) before the dial moves on — the no-response timer that replaces Timer B's 32 s for
    /// dials. Default: 4000.
    public var inviteTimeoutMilliseconds: Int

    public init(retryCodes: Set<Int> = [408, 503, 504], inviteTimeoutMilliseconds: Int = 4000) {
        self.retryCodes = retryCodes
        self.inviteTimeoutMilliseconds = inviteTimeoutMilliseconds
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

    public init(autoAnswer: Bool = false, holdOthers: Bool = true, dtmfMethod: DTMFMethod = .rfc2833) {
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

/// `system/diagnostics`: logging.
public struct DiagnosticsConfiguration: Sendable, Hashable {
    public enum LogLevel: String, Sendable, Hashable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
    }

    /// `log_level`. Default: info.
    public var logLevel: LogLevel
    /// `log_file`: path of the log file; nil = standard error. Default: nil.
    public var logFile: String?

    public init(logLevel: LogLevel = .info, logFile: String? = nil) {
        self.logLevel = logLevel
        self.logFile = logFile
    }
}
