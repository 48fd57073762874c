/// Everything DNS said about one request, before any random choice: the result of
/// ``ServerLocationProcedure``. Turning it into an ordered target list is pure and cheap, so it is
/// redone on every use and each use gets a fresh RFC 2782 weighted draw.
package struct ResolvedServers: Sendable, Hashable {
    package struct ResolvedSRV: Sendable, Hashable {
        package var record: SRVRecord
        /// Addresses of `record.target`; empty when its A/AAAA lookup failed.
        package var addresses: [IPAddress]
    }

    package enum Group: Sendable, Hashable {
        /// One SRV RRset (from a NAPTR replacement or a `_sip._udp.`-style name) of one transport.
        case srv(transport: SIPTransportProtocol, name: String, records: [ResolvedSRV])
        /// A numeric host, or a host's A/AAAA on a known port.
        case direct(transport: SIPTransportProtocol, port: UInt16, hostName: String?, addresses: [IPAddress])
    }

    /// In the order they are to be tried: NAPTR order/preference, or the client's transport preference.
    package var groups: [Group]

    package init(groups: [Group]) {
        self.groups = groups
    }

    /// The targets in RFC 3263 order: group by group; within an SRV group by RFC 2782 priority and
    /// weighted draw; each host's addresses in the family order asked for. A server reachable via
    /// two names is listed once, where it first appears.
    package func orderedTargets<Random: RandomNumberGenerator>(
        preferIPv6: Bool = false,
        using random: inout Random
    ) -> [ServerTarget] {
        var targets: [ServerTarget] = []
        var seen = Set<ServerTarget.Endpoint>()
        func add(_ target: ServerTarget) {
            if seen.insert(target.endpoint).inserted { targets.append(target) }
        }
        for group in groups {
            switch group {
            case .direct(let transport, let port, let hostName, let addresses):
                for address in Self.familyOrdered(addresses, preferIPv6: preferIPv6) {
                    add(ServerTarget(address: address, port: port, transport: transport, hostName: hostName))
                }
            case .srv(let transport, _, let records):
                for resolved in SRVOrdering.ordered(records, record: \.record, using: &random) {
                    for address in Self.familyOrdered(resolved.addresses, preferIPv6: preferIPv6) {
                        add(
                            ServerTarget(
                                address: address,
                                port: resolved.record.port,
                                transport: transport,
                                srvTarget: resolved.record.target,
                                hostName: resolved.record.target
                            ))
                    }
                }
            }
        }
        return targets
    }

    private static func familyOrdered(_ addresses: [IPAddress], preferIPv6: Bool) -> [IPAddress] {
        let first: IPAddress.Family = preferIPv6 ? .v6 : .v4
        return addresses.filter { $0.family == first } + addresses.filter { $0.family != first }
    }
}
