import SipEndpoint

/// One line of the effective configuration: a setting under its `SipEndpoint.config` name, with the
/// value the SDK will use (the default when the file does not set it). Passwords are masked.
public struct EffectiveSetting: Sendable, Hashable, Codable {
    /// `Connectivity[0]/server`, `proxies/proxy0/reg_interval`, `policy/endpoint/dns_servers`…
    public var path: String
    /// The value in force, as the file would spell it: flags `1`/`0`, durations in the setting's own unit,
    /// lists comma-separated, usually an empty string for an unset optional, a set password as
    /// ``SipEndpointConfiguration/maskedPassword``.
    public var value: String

    /// A line of setting `path` with `value`, both taken as given (nothing is masked here).
    public init(path: String, value: String) {
        self.path = path
        self.value = value
    }
}

extension SipEndpointConfiguration {
    /// The mask shown instead of a password.
    public static let maskedPassword = "********"

    /// Every setting with the value in force, in the order of the sample file; what
    /// `QuickStart validate` prints. Safe for logs: passwords are masked.
    public var effectiveSettings: [EffectiveSetting] {
        var settings: [EffectiveSetting] = []
        func add(_ path: String, _ value: String) { settings.append(EffectiveSetting(path: path, value: value)) }
        func flag(_ value: Bool) -> String { value ? "1" : "0" }

        for (id, connection) in connections.enumerated() {
            add("Connectivity[\(id)]/user", connection.user)
            add("Connectivity[\(id)]/server", connection.server.description)
            add(
                "Connectivity[\(id)]/protocol",
                connection.transportFromDNS ? "" : connection.transport.rawValue.uppercased())
            let proxy = "proxies/proxy\(id)"
            add("\(proxy)/password", connection.password == nil ? "" : Self.maskedPassword)
            add("\(proxy)/auth_user", connection.effectiveAuthUser)
            add("\(proxy)/display_name", connection.displayName ?? "")
            add("\(proxy)/domain", connection.effectiveDomain)
            add("\(proxy)/enabled", flag(connection.enabled))
            add("\(proxy)/reregister_in_seconds", "\(connection.reregisterInSeconds)")
            add("\(proxy)/reg_interval", "\(connection.regInterval)")
            add("\(proxy)/reg_retry_max", "\(connection.regRetryMax)")
            add("\(proxy)/options_interval", "\(connection.optionsInterval)")
            add("\(proxy)/options_failure_threshold", "\(connection.optionsFailureThreshold)")
            add("\(proxy)/keepalive_interval", "\(connection.keepaliveInterval)")
            add("\(proxy)/instance_id", connection.instanceID ?? "")
            add("\(proxy)/auth_realm", connection.authRealms.joined(separator: ","))
            add("\(proxy)/require_qop", flag(connection.requireQop))
        }
        add("policy/endpoint/sip_transaction_timeout", "\(endpoint.sipTransactionTimeoutMilliseconds)")
        add("policy/endpoint/sip_port_min", endpoint.sipPortRange.map { "\($0.lowerBound)" } ?? "")
        add("policy/endpoint/sip_port_max", endpoint.sipPortRange.map { "\($0.upperBound)" } ?? "")
        add("policy/endpoint/rtp_port_min", endpoint.rtpPortRange.map { "\($0.lowerBound)" } ?? "")
        add("policy/endpoint/rtp_port_max", endpoint.rtpPortRange.map { "\($0.upperBound)" } ?? "")
        add("policy/endpoint/public_address", endpoint.publicAddress ?? "")
        add("policy/endpoint/local_address", endpoint.localAddress)
        add("policy/endpoint/dns_servers", endpoint.dnsServers.map(\.description).joined(separator: ","))
        add(
            "policy/endpoint/rtp_inactivity_timeout",
            endpoint.rtpInactivityTimeout.map { "\($0.components.seconds)" } ?? "0")
        add("policy/endpoint/unsolicited_requests", endpoint.unsolicitedRequests.rawValue)
        add("policy/failover/retry_codes", failover.retryCodes.sorted().map(String.init).joined(separator: ","))
        add("policy/failover/invite_timeout", failover.inviteTimeoutMilliseconds.map { "\($0)" } ?? "auto")
        add("policy/failover/adaptive_t1", flag(failover.adaptiveT1))
        add("policy/failover/mode", failover.mode.rawValue)
        add("policy/failover/failback", failover.failback.rawValue)
        add("policy/failover/failback_hold_down", "\(failover.failbackHoldDownSeconds)")
        add("policy/failover/failback_order", failover.failbackOrder.rawValue)
        add("policy/failover/flap_window", failover.flapWindowSeconds.map(String.init) ?? "auto")
        add("policy/failover/flap_hold_down_max", failover.flapHoldDownMaxSeconds.map(String.init) ?? "auto")
        add("policy/failover/duplicate_call_header", failover.duplicateCallHeader ?? "")
        add("policy/failover/duplicate_call_response", "\(failover.duplicateCallResponse)")
        add("policy/session/auto_answer", flag(session.autoAnswer))
        add("policy/session/hold_others", flag(session.holdOthers))
        add("policy/session/dtmf_method", session.dtmfMethod.rawValue)
        add("policy/session/ring_timeout", "\(session.ringTimeoutSeconds)")
        add("policy/session/max_ringing_calls", "\(session.maxRingingCalls)")
        add("policy/session/session_expires", "\(session.sessionExpiresSeconds)")
        add("system/security/tls_ca_file", security.tlsCAFile ?? "")
        add("system/security/tls_verify", flag(security.tlsVerify))
        add("system/security/tls_cert_file", security.tlsCertificateFile ?? "")
        add("system/security/tls_key_file", security.tlsKeyFile ?? "")
        add("system/security/use_srtp", security.useSRTP.rawValue)
        add("system/security/srtp_key_log", security.srtpKeyLog ?? "")
        add("system/diagnostics/log_level", diagnostics.logLevel.rawValue)
        add("system/diagnostics/log_file", diagnostics.logFile ?? "")
        return settings
    }
}
