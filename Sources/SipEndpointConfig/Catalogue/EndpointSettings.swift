import SipEndpoint

extension SettingsCatalogue {
    /// Transaction and give-up times: 1 ms to 32 s (64·T1 with the RFC 3261 T1).
    static let milliseconds = 1...32000

    /// `policy/endpoint/…`: sockets, addresses and the phone's timers.
    static let endpointSettings: [SettingDefinition] = [
        .section(
            "policy/endpoint", "sip_transaction_timeout", default: "4000", accepts: "1–32000",
            parse: { SettingValue.integer($0, in: milliseconds, unit: "milliseconds") },
            store: { $0.endpoint.sipTransactionTimeoutMilliseconds = $1 },
            show: { "\($0.endpoint.sipTransactionTimeoutMilliseconds)" }),
        portBound("sip_port_min", show: { $0.endpoint.sipPortRange?.lowerBound }),
        portBound("sip_port_max", show: { $0.endpoint.sipPortRange?.upperBound }),
        portBound("rtp_port_min", show: { $0.endpoint.rtpPortRange?.lowerBound }),
        portBound("rtp_port_max", show: { $0.endpoint.rtpPortRange?.upperBound }),
        .section(
            "policy/endpoint", "public_address", default: "", documented: "none", accepts: "A host name or address",
            parse: SettingValue.host, store: { $0.endpoint.publicAddress = $1 },
            show: { $0.endpoint.publicAddress ?? "" }),
        .section(
            "policy/endpoint", "local_address", default: "0.0.0.0", accepts: "An IPv4 or IPv6 address",
            parse: SettingValue.ipAddress, store: { $0.endpoint.localAddress = $1 },
            show: { $0.endpoint.localAddress }),
        .section(
            "policy/endpoint", "dns_servers", default: "", documented: "the system's",
            accepts: "Comma-separated IP[:port] or [IPv6]:port", parse: SettingValue.dnsServers,
            store: { $0.endpoint.dnsServers = $1 },
            show: { $0.endpoint.dnsServers.map(\.description).joined(separator: ",") }),
        .section(
            "policy/endpoint", "rtp_inactivity_timeout", default: "30", accepts: "0 (off) or 1–3600",
            parse: SettingValue.inactivityTimeout, store: { $0.endpoint.rtpInactivityTimeout = $1 },
            show: { $0.endpoint.rtpInactivityTimeout.map { "\($0.components.seconds)" } ?? "0" }),
        .section(
            "policy/endpoint", "unsolicited_requests", default: "drop",
            accepts: "drop, reject (403 Forbidden) or accept",
            parse: SettingValue.unsolicitedRequests, store: { $0.endpoint.unsolicitedRequests = $1 },
            check: { loader, entry, value in
                guard value == .accept else { return }
                loader.warning(
                    .oddValue, entry,
                    "unsolicited_requests=accept lets any address ring the agent (scanners included); for labs only, use drop in production"
                )
            },
            show: { $0.endpoint.unsolicitedRequests.rawValue }),
    ]

    /// One bound of a port range; the loader sets the range once both are read.
    private static func portBound(
        _ name: String, show: @escaping @Sendable (SipEndpointConfiguration) -> Int?
    ) -> SettingDefinition {
        .section(
            "policy/endpoint", name, default: "", documented: "any free port", accepts: "1–65535, min ≤ max",
            parse: SettingValue.port, store: { _, _ in },
            check: { loader, entry, port in loader.pairValues[entry.path] = (entry, port) },
            show: { show($0).map(String.init) ?? "" })
    }
}
