import SipEndpoint

extension GenesysLayoutLoader {
    /// Settings that only make sense together, checked once every setting is read: port ranges,
    /// the back-off cap against its base, SRTP keys over TLS only, the give-up against the
    /// transaction timeout, a client certificate with its key.
    mutating func checkTogether() {
        for kind in ["sip", "rtp"] {
            let minimum = pairValues["policy/endpoint/\(kind)_port_min"]
            let maximum = pairValues["policy/endpoint/\(kind)_port_max"]
            switch (minimum, maximum) {
            case let (low?, high?):
                if low.value > high.value {
                    error(
                        .inconsistentSettings, high.entry,
                        "\(kind)_port_max \(high.value) is below \(kind)_port_min \(low.value) (line \(low.entry.line))"
                    )
                } else if kind == "sip" {
                    configuration.endpoint.sipPortRange = low.value...high.value
                } else {
                    configuration.endpoint.rtpPortRange = low.value...high.value
                }
            case let (one?, nil), let (nil, one?):
                let other = one.entry.name.hasSuffix("_min") ? "\(kind)_port_max" : "\(kind)_port_min"
                error(
                    .inconsistentSettings, one.entry,
                    "\(one.entry.name) is set but \(other) is not; give both or neither")
            case (nil, nil):
                break
            }
        }
        for id in configuration.connections.indices {
            guard
                let retryMax = pairValues["proxies/proxy\(id)/reg_retry_max"]
                    ?? pairValues["proxies/proxy\(id)/reg_interval"]
            else { continue }
            let connection = configuration.connections[id]
            if connection.regRetryMax < connection.regInterval {
                warning(
                    .oddValue, retryMax.entry,
                    "reg_retry_max \(connection.regRetryMax) is below reg_interval \(connection.regInterval) for connection \(id); the back-off cap is raised to the base, \(connection.regInterval) s"
                )
                configuration.connections[id].regRetryMax = connection.regInterval
            }
        }
        // RFC 4568 §8.3: SDES keys travel in the SDP, so SRTP is only as private as the signalling.
        if configuration.security.useSRTP == .mandatory, let entry = pairStrings["system/security/use_srtp"] {
            for (id, connection) in configuration.connections.enumerated() where connection.transport != .tls {
                error(
                    .inconsistentSettings, entry,
                    "use_srtp=mandatory but connection \(id) (\(connection.user)@\(connection.server)) uses \(connection.transport.rawValue.uppercased()): its SDP would carry the SRTP keys in clear; use protocol=TLS"
                )
            }
        }
        if let fixed = pairValues["policy/failover/invite_timeout"] {
            if fixed.value > configuration.endpoint.sipTransactionTimeoutMilliseconds {
                warning(
                    .oddValue, fixed.entry,
                    "invite_timeout \(fixed.value) ms is above sip_transaction_timeout \(configuration.endpoint.sipTransactionTimeoutMilliseconds) ms, which ends a silent INVITE first; auto learns the give-up per site"
                )
            } else if fixed.value < 800 {
                warning(
                    .oddValue, fixed.entry,
                    "invite_timeout \(fixed.value) ms is below 800 ms, the shortest give-up auto uses: a live site whose 100 Trying is late or lost is failed over; auto learns the give-up per site"
                )
            }
        }
        let certificate = pairStrings["system/security/tls_cert_file"]
        let key = pairStrings["system/security/tls_key_file"]
        if let one = certificate ?? key, (certificate == nil) != (key == nil) {
            let other = certificate == nil ? "tls_cert_file" : "tls_key_file"
            error(.inconsistentSettings, one, "\(one.name) is set but \(other) is not; a client certificate needs both")
        }
    }
}
