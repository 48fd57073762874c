import NIOCore

/// RFC 3263 server location with memory: resolves a request to an ordered list of targets and
/// remembers which servers failed so the next list puts them last.
///
/// The thin driver: the decisions are in ``ServerLocationProcedure`` (which questions),
/// ``ResolvedServers`` and ``SRVOrdering`` (which order), ``FailedTargets`` (failure memory) and
/// the cache in ``CachingDNSLookup``; this actor reads the clock, draws the random numbers and holds
/// the state between calls. Use one per SIP connection (a connection hunts its site's SRV
/// targets before anything moves to the other site).
///
/// ```swift
/// var targets = try await locator.locate(ServerLocationRequest(host: "site-a.example.net", transport: .udp))
/// while let target = targets.next() {
///     if await send(to: target) { await locator.markSucceeded(target); break }
///     await locator.markFailed(target)
/// }
/// ```
package actor ServerLocator {
    package struct Configuration: Sendable {
        /// How long a failed server stays at the back of the list. Default: 30 seconds.
        package var failureHoldDuration: TimeAmount
        /// Ask AAAA as well as A. Default: true.
        package var includeIPv6: Bool
        /// Put IPv6 addresses of a host before its IPv4 ones. Default: false.
        package var preferIPv6: Bool

        package init(failureHoldDuration: TimeAmount = .seconds(30), includeIPv6: Bool = true, preferIPv6: Bool = false)
        {
            self.failureHoldDuration = failureHoldDuration
            self.includeIPv6 = includeIPv6
            self.preferIPv6 = preferIPv6
        }
    }

    private let lookup: any DNSLookup
    private let configuration: Configuration
    private let now: @Sendable () -> NIODeadline
    private var random: any RandomNumberGenerator & Sendable
    private var failed: FailedTargets

    /// - Parameters:
    ///   - lookup: where DNS answers come from; pass a ``CachingDNSLookup`` so records are reused
    ///     for their TTL.
    ///   - random: the source for RFC 2782's weighted draw; tests pass a seeded one.
    ///     Default: `SystemRandomNumberGenerator()`.
    ///   - now: the clock for failure memory. Default: `NIODeadline.now()`.
    package init(
        lookup: any DNSLookup,
        configuration: Configuration = Configuration(),
        random: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator(),
        now: @escaping @Sendable () -> NIODeadline = { NIODeadline.now() }
    ) {
        self.lookup = lookup
        self.configuration = configuration
        self.random = random
        self.now = now
        self.failed = FailedTargets(holdDuration: configuration.failureHoldDuration)
    }

    /// The targets for `request`, best first, recently failed servers last.
    package func locate(_ request: ServerLocationRequest) async throws(ServerLocationError) -> ServerTargetList {
        let procedure = ServerLocationProcedure(includeIPv6: configuration.includeIPv6)
        let resolved = try await procedure.resolve(request, using: lookup)
        let ordered = resolved.orderedTargets(preferIPv6: configuration.preferIPv6, using: &random)
        let current = now()
        failed.removeExpired(now: current)
        return ServerTargetList(failed.reordered(ordered, now: current))
    }

    /// The target did not answer or refused (timeout, 503, transport error): try it last for a while.
    package func markFailed(_ target: ServerTarget) {
        failed.markFailed(target, now: now())
    }

    /// The target answered: it is a normal candidate again.
    package func markSucceeded(_ target: ServerTarget) {
        failed.markSucceeded(target, now: now())
    }

    package func isFailed(_ target: ServerTarget) -> Bool {
        failed.isFailed(target, now: now())
    }
}
