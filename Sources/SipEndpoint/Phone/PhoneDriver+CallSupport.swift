import Foundation
import Logging
import Metrics
import NIOCore
import SIPCore
import SIPMedia
import SIPTransaction
import SIPTransport
import SIPUserAgent
import Synchronization

/// What calls need to know about the connections: a dial's candidates and targets, credentials,
/// the local party, the destination URI.
extension PhoneDriver {
    // MARK: What calls need to know about connections

    var localHostAddress: String { configuration.endpoint.publicAddress ?? localHost }

    func connectionConfiguration(_ id: Int) -> ConnectionConfiguration? { records[id]?.configuration }

    /// The connections of `id`'s agent line as the dial failover rule sees them when a dial starts: a
    /// dial never leaves its line, so it never goes out as another agent.
    func dialCandidates(line id: Int) -> [DialFailoverMachine.Candidate] {
        lines.line(of: id).filter { !roles.maintenance.contains($0) }.compactMap { id in
            records[id].map { r in
                DialFailoverMachine.Candidate(
                    // A standby's site answers its probes: a dial may go out through it at once (the
                    // INVITE's own digest needs no registration).
                    connectionId: id, isReady: r.status == .ready || r.status == .standby,
                    targetCount: max(1, dialTargets(of: id).count),
                    isRecovering: r.status == .recovering)
            }
        }
    }

    /// The DN of connection `id` (its line).
    func user(of id: Int) -> String? { records[id]?.configuration.user }

    /// Whether connection `id` is `failed` now (its site stopped answering).
    func connectionHasFailed(_ id: Int) -> Bool { records[id]?.status == .failed }

    func connectionTrouble(_ id: Int) { engine.troubleReported(id) }

    func credentials(for id: Int) -> DigestCredentials? {
        guard let c = records[id]?.configuration else { return nil }
        return c.password.map { DigestCredentials(user: c.user, password: $0, authUser: c.authUser) }
    }

    /// Which challenges a connection's password answers now: its domain's realm, `auth_realm`, and
    /// the realms its registrar has accepted so far (``DigestRealmPolicy``).
    func realmPolicy(for id: Int) -> DigestRealmPolicy {
        if let current = engine.realmPolicy(of: id) { return current }
        guard let c = records[id]?.configuration else {
            return DigestRealmPolicy(domain: "", user: "", hasPassword: false)
        }
        return DigestRealmPolicy(
            domain: c.effectiveDomain, user: c.user, hasPassword: c.password != nil, configuredRealms: c.authRealms,
            requireQop: c.requireQop)
    }

    /// The caller identity of calls through a connection: its address of record and registered Contact.
    func localParty(for id: Int) -> LocalParty? {
        guard let c = records[id]?.configuration else { return nil }
        let contact = engine.contact(of: id)?.uri ?? bindingConfiguration(c, id: id).contactURI
        var plain = contact
        plain.parameters.remove("ob")
        return LocalParty(
            addressOfRecord: SIPURI(user: c.user, host: c.effectiveDomain), displayName: c.displayName, contact: plain,
            transport: c.transport)
    }

    func currentTarget(for id: Int) -> SIPTransportTarget? { engine.currentTarget(of: id) }

    /// The `index`-th server target of a dial on a connection (``dialTargets(of:)``), resolving the
    /// site if the registration has not yet.
    func target(for id: Int, index: Int) -> EventLoopFuture<SIPTransportTarget> {
        let known = dialTargets(of: id)
        if index < known.count { return eventLoop.makeSucceededFuture(known[index]) }
        guard let c = records[id]?.configuration else {
            return eventLoop.makeFailedFuture(SipEndpointError(.unknownConnection, "no connection \(id)"))
        }
        return resolution.targets(for: c.server, transport: c.transport, on: eventLoop).flatMapThrowing { targets in
            guard index < targets.count else {
                throw SipEndpointError(.invalidConfiguration, "\(c.server) has no server target \(index)")
            }
            return targets[index]
        }
    }

    /// What the call driver is given instead of the phone: values, and the questions above as
    /// closures that hold the phone weakly (the phone owns the driver; the driver owns no phone).
    func callEnvironment() -> CallDriverEnvironment {
        let loop = eventLoop
        return CallDriverEnvironment(
            configuration: configuration, eventLoop: loop, mediaClock: mediaClock, mediaPorts: mediaPorts,
            mediaCNAME: mediaCNAME,
            mediaMetrics: mediaMetrics, srtpKeyLog: srtpKeyLog,
            connections: CallDriverEnvironment.Connections(
                configuration: { [weak self] in self?.connectionConfiguration($0) },
                user: { [weak self] in self?.user(of: $0) },
                hasFailed: { [weak self] in self?.connectionHasFailed($0) ?? false },
                localParty: { [weak self] in self?.localParty(for: $0) },
                credentials: { [weak self] in self?.credentials(for: $0) },
                realmPolicy: { [weak self] in
                    self?.realmPolicy(for: $0) ?? DigestRealmPolicy(domain: "", user: "", hasPassword: false)
                },
                currentTarget: { [weak self] in self?.currentTarget(for: $0) },
                dialCandidates: { [weak self] in self?.dialCandidates(line: $0) ?? [] },
                target: { [weak self] id, index in
                    self?.target(for: id, index: index)
                        ?? loop.makeFailedFuture(SipEndpointError(.notRunning, "the phone is gone"))
                },
                trouble: { [weak self] id, target in self?.connectionTrouble(id, target: target) },
                localHostAddress: { [weak self] in self?.localHostAddress ?? "127.0.0.1" }))
    }
}
