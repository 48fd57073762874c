import NIOConcurrencyHelpers
import NIOCore
import SIPTransport

/// Turns a connection's `server` into transport targets: an IP address directly; a name through
/// RFC 3263 server location over c-ares (created on first use, so a phone configured with addresses
/// starts no resolver thread). A port given means A/AAAA only; none means NAPTR/SRV.
final class TargetResolution: Sendable {
    private let dnsServers: [String]
    /// `local_address`: DNS queries leave from it too (a wildcard lets the system choose).
    private let localAddress: String?
    private let locator = NIOLockedValueBox<(ServerLocator, CAresResolver)?>(nil)

    init(dnsServers: [String], localAddress: String? = nil) {
        self.dnsServers = dnsServers
        self.localAddress = localAddress
    }

    func targets(for server: ServerAddress, transport: SIPTransportKind, on loop: any EventLoop)
        -> EventLoopFuture<[SIPTransportTarget]>
    {
        if let port = server.port ?? (Self.isIPAddress(server.host) ? transport.defaultPort : nil),
            let target = try? SIPTransportTarget(transport: transport, ipAddress: server.host, port: port)
        {
            return loop.makeSucceededFuture([target])
        }
        let promise = loop.makePromise(of: [SIPTransportTarget].self)
        promise.completeWithTask {
            let locator = try self.serverLocator()
            let request = ServerLocationRequest(
                host: server.host, port: server.port.map { UInt16($0) }, transport: transport,
                secure: transport == .tls)
            let list = try await locator.locate(request)
            return list.targets.compactMap { t in
                guard let address = try? t.socketAddress() else { return nil }
                return SIPTransportTarget(
                    transport: transport, address: address,
                    serverName: transport == .tls ? (t.hostName ?? server.host) : nil
                )
            }
        }
        return promise.futureResult
    }

    /// The transport RFC 3263 §4.1 chooses for `server` (a host name without a port): the first
    /// target's of a location with no transport given (NAPTR, else the SRV records of each transport,
    /// else UDP); nil when the name cannot be located now (the caller keeps its default).
    func transport(for server: ServerAddress, on loop: any EventLoop) -> EventLoopFuture<SIPTransportKind?> {
        let promise = loop.makePromise(of: SIPTransportKind?.self)
        promise.completeWithTask {
            let request = ServerLocationRequest(host: server.host)
            return try? await self.serverLocator().locate(request).targets.first?.transport
        }
        return promise.futureResult
    }

    private func serverLocator() throws -> ServerLocator {
        try locator.withLockedValue { state in
            if let (locator, _) = state { return locator }
            let resolver = try CAresResolver(configuration: .init(servers: dnsServers, localAddress: localAddress))
            let locator = ServerLocator(lookup: CachingDNSLookup(upstream: resolver))
            state = (locator, resolver)
            return locator
        }
    }

    func shutdown() async {
        let resolver = locator.withLockedValue { state -> CAresResolver? in
            defer { state = nil }
            return state?.1
        }
        await resolver?.shutdown()
    }

    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}
