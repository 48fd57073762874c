/// RFC 3263 §4 ("Client Usage") as a procedure over a ``DNSLookup``: which questions to ask, in
/// which order, and when to move on. It keeps no state and reads no clock; the answers it gathers
/// come back as ``ResolvedServers`` for ordering.
///
/// ```
///  host numeric? ──yes──▶ that address; port given or 5060/5061            (§4.1, §4.2)
///       │no
///  port given? ───yes──▶ A/AAAA of host on that port                       (§4.2)
///       │no
///  transport given? ─yes─▶ SRV _sip._udp/_sip._tcp/_sips._tcp.host ─none─┐ (§4.1, §4.2)
///       │no                                                               │
///  NAPTR host ──usable SIP+D2U/SIP+D2T/SIPS+D2T──▶ SRV of each replacement │ (§4.1)
///       │none (or none of their SRVs answered)                             │
///  SRV for each transport we support (UDP, TCP, TLS; TLS only for SIPS)    │ (§4.1)
///       │none                                                              ▼
///  A/AAAA of host on 5060 (UDP) or 5061 (TLS for SIPS)           A/AAAA on the default port
/// ```
///
/// Deviations and choices: every usable NAPTR record and every transport's SRV RRset is kept, in
/// order, rather than only the first, so a failover hunt has the whole list; an SRV RRset whose only
/// target is "." ends the search (RFC 2782) instead of falling back to A/AAAA. A failed lookup that
/// is not a negative answer (a timeout, SERVFAIL) also moves on to the next step, and is reported
/// as `lookupFailed` only when nothing was found at all.
package struct ServerLocationProcedure: Sendable {
    /// Ask AAAA as well as A. Default: true.
    package var includeIPv6: Bool

    package init(includeIPv6: Bool = true) {
        self.includeIPv6 = includeIPv6
    }

    package func resolve(
        _ request: ServerLocationRequest,
        using lookup: some DNSLookup
    ) async throws(ServerLocationError) -> ResolvedServers {
        var host = request.host
        if host.count > 1, host.hasSuffix("."), IPAddress(host) == nil { host.removeLast() }
        guard !host.isEmpty else {
            throw ServerLocationError(code: .invalidRequest, host: request.host, detail: "empty host")
        }
        let transport = try Self.explicitTransport(request)

        // §4.1: a numeric host is used as is.
        if let address = IPAddress(host) {
            let chosen = transport ?? (request.secure ? .tls : .udp)
            return ResolvedServers(groups: [
                .direct(
                    transport: chosen, port: request.port ?? chosen.defaultDNSPort, hostName: nil, addresses: [address])
            ])
        }

        var failures = FailureLog()

        // §4.2: "If the TARGET was not a numeric IP address, but a port is present in the URI, the
        // client performs an A or AAAA record lookup of the domain name."
        if let port = request.port {
            let chosen = transport ?? (request.secure ? .tls : .udp)
            let addresses = await addresses(of: host, using: lookup, failures: &failures)
            guard !addresses.isEmpty else { throw failures.error(host: host) }
            return ResolvedServers(groups: [
                .direct(transport: chosen, port: port, hostName: host, addresses: addresses)
            ])
        }

        // §4.2: a transport known without NAPTR goes straight to SRV for that transport.
        if let transport {
            let name = transport.srvPrefix + host
            switch await srvGroup(name: name, transport: transport, using: lookup, failures: &failures) {
            case .found(let group): return ResolvedServers(groups: [group])
            case .serviceUnavailable: throw ServerLocationError(code: .serviceUnavailable, host: host, detail: name)
            case .nothing: return try await defaultPortFallback(host, transport, lookup, &failures)
            }
        }

        // §4.1: NAPTR, then the SRV name each usable record replaces the host with.
        var groups: [ResolvedServers.Group] = []
        var decidedlyUnavailable = false
        if let naptr = await capture(
            { () async throws(DNSError) in try await lookup.lookupNAPTR(host) }, failures: &failures)
        {
            for choice in NAPTRSelection.choices(from: naptr.records, secure: request.secure) {
                switch await srvGroup(
                    name: choice.srvName, transport: choice.transport, using: lookup, failures: &failures)
                {
                case .found(let group): groups.append(group)
                case .serviceUnavailable: decidedlyUnavailable = true
                case .nothing: break
                }
            }
        }
        if !groups.isEmpty { return ResolvedServers(groups: groups) }

        // §4.1: "If no NAPTR records are found, the client constructs SRV queries for those
        // transport protocols it supports, and does a query for each."
        let supported: [SIPTransportProtocol] = request.secure ? [.tls] : [.udp, .tcp, .tls]
        for candidate in supported {
            switch await srvGroup(
                name: candidate.srvPrefix + host, transport: candidate, using: lookup, failures: &failures)
            {
            case .found(let group): groups.append(group)
            case .serviceUnavailable: decidedlyUnavailable = true
            case .nothing: break
            }
        }
        if !groups.isEmpty { return ResolvedServers(groups: groups) }
        if decidedlyUnavailable {
            throw ServerLocationError(code: .serviceUnavailable, host: host, detail: "SRV target \".\"")
        }

        // §4.1 (paraphrased): with no SRV records either, a SIPS URI uses TCP (that is, TLS over
        // TCP) and a SIP URI UDP, on the transport's default port (§4.2).
        return try await defaultPortFallback(host, request.secure ? .tls : .udp, lookup, &failures)
    }

    /// RFC 3261 §26.2.2 / RFC 3263 §4.1: SIPS over UDP is not allowed; SIPS with transport TCP means
    /// TLS over TCP; transport TLS implies the SIPS SRV names.
    private static func explicitTransport(_ request: ServerLocationRequest) throws(ServerLocationError)
        -> SIPTransportProtocol?
    {
        guard request.secure else { return request.transport }
        switch request.transport {
        case nil: return nil
        case .udp: throw ServerLocationError(code: .invalidRequest, host: request.host, detail: "SIPS over UDP")
        case .tcp, .tls: return .tls
        }
    }

    private enum SRVOutcome {
        case found(ResolvedServers.Group)
        case serviceUnavailable
        case nothing
    }

    private func srvGroup(
        name: String,
        transport: SIPTransportProtocol,
        using lookup: some DNSLookup,
        failures: inout FailureLog
    ) async -> SRVOutcome {
        guard
            let answer = await capture(
                { () async throws(DNSError) in try await lookup.lookupSRV(name) }, failures: &failures),
            !answer.records.isEmpty
        else { return .nothing }
        let usable = answer.records.filter { !$0.isServiceDecidedlyUnavailable }
        if usable.isEmpty { return .serviceUnavailable }
        var resolved: [ResolvedServers.ResolvedSRV] = []
        var addressesByTarget: [String: [IPAddress]] = [:]
        for record in usable {
            let addresses: [IPAddress]
            if let known = addressesByTarget[record.target] {
                addresses = known
            } else {
                addresses = await self.addresses(of: record.target, using: lookup, failures: &failures)
                addressesByTarget[record.target] = addresses
            }
            resolved.append(ResolvedServers.ResolvedSRV(record: record, addresses: addresses))
        }
        guard resolved.contains(where: { !$0.addresses.isEmpty }) else { return .nothing }
        return .found(.srv(transport: transport, name: name, records: resolved))
    }

    private func defaultPortFallback(
        _ host: String,
        _ transport: SIPTransportProtocol,
        _ lookup: some DNSLookup,
        _ failures: inout FailureLog
    ) async throws(ServerLocationError) -> ResolvedServers {
        let addresses = await addresses(of: host, using: lookup, failures: &failures)
        guard !addresses.isEmpty else { throw failures.error(host: host) }
        return ResolvedServers(groups: [
            .direct(transport: transport, port: transport.defaultDNSPort, hostName: host, addresses: addresses)
        ])
    }

    /// A and AAAA asked at once; either may be missing.
    private func addresses(of host: String, using lookup: some DNSLookup, failures: inout FailureLog) async
        -> [IPAddress]
    {
        if let numeric = IPAddress(host) { return [numeric] }
        async let v4 = Self.result { () async throws(DNSError) in try await lookup.lookupA(host) }
        async let v6: Result<DNSAnswer<IPAddress>, DNSError>? =
            includeIPv6
            ? Self.result { () async throws(DNSError) in try await lookup.lookupAAAA(host) }
            : nil
        let (a, aaaa) = await (v4, v6)
        var addresses: [IPAddress] = []
        for result in [a, aaaa].compactMap({ $0 }) {
            switch result {
            case .success(let answer): addresses += answer.records
            case .failure(let error): failures.record(error)
            }
        }
        return addresses
    }

    private func capture<T>(
        _ body: () async throws(DNSError) -> T,
        failures: inout FailureLog
    ) async -> T? {
        switch await Self.result(body) {
        case .success(let value): return value
        case .failure(let error):
            failures.record(error)
            return nil
        }
    }

    private static func result<T>(_ body: () async throws(DNSError) -> T) async -> Result<T, DNSError> {
        do {
            return .success(try await body())
        } catch {
            return .failure(error)
        }
    }

    /// Remembers whether DNS ever failed to answer, as opposed to answering "no".
    private struct FailureLog {
        private var lastNegative: DNSError?
        private var lastFailure: DNSError?

        mutating func record(_ error: DNSError) {
            if error.isNegativeAnswer { lastNegative = error } else { lastFailure = error }
        }

        func error(host: String) -> ServerLocationError {
            if let lastFailure {
                return ServerLocationError(code: .lookupFailed, host: host, dnsError: lastFailure)
            }
            return ServerLocationError(code: .notFound, host: host, dnsError: lastNegative)
        }
    }
}
