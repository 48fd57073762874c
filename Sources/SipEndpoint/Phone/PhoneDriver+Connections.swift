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

/// The connections of the phone: adding, starting (paced per site), enabling, disabling, replacing,
/// and the binding each one registers.
extension PhoneDriver {
    // MARK: Connections (on the loop)

    /// Adds connection `id` (taken and placed on this shard by the phone, ``LineShards``).
    @discardableResult
    func add(_ configuration: ConnectionConfiguration, startNow: Bool = true, id: Int) -> Int {
        eventLoop.assertInEventLoop()
        records[id] = Record(id: id, configuration: configuration, isEnabled: configuration.enabled)
        indexLine(id, configuration)
        engine.add(id, configuration: bindingConfiguration(configuration, id: id))
        publish(id)
        if startNow, configuration.enabled {
            whenTransportKnown(id) { if self.isRunning, self.records[id]?.isEnabled == true { self.engine.start(id) } }
        }
        return id
    }

    /// Starts the connections the pacer released. A start may settle at once and release more, from
    /// inside `engine.start`: those join the list instead of nesting, so the stack stays flat.
    func start(paced ids: [Int]) {
        releasedStarts.append(contentsOf: ids)
        guard !isStartingReleased else { return }
        isStartingReleased = true
        var index = 0
        while index < releasedStarts.count {
            let id = releasedStarts[index]
            index += 1
            if isRunning, records[id]?.isEnabled == true {
                engine.start(id)
            } else {
                releasedStarts.append(contentsOf: pacer.forget(id))
            }
        }
        releasedStarts.removeAll(keepingCapacity: false)
        isStartingReleased = false
    }

    func enable(_ id: Int) throws(SipEndpointError) {
        guard records[id] != nil else { throw SipEndpointError(.unknownConnection, "no connection \(id)") }
        modify(id) { $0.isEnabled = true }
        lines.setEnabled(id, true)
        engine.start(id)
    }

    func disable(_ id: Int, remove: Bool, completion: @escaping () -> Void) throws(SipEndpointError) {
        guard records[id] != nil else { throw SipEndpointError(.unknownConnection, "no connection \(id)") }
        modify(id) { $0.isEnabled = false }
        lines.setEnabled(id, false)
        start(paced: pacer.forget(id))
        let finish = { [weak self] in
            if remove {
                if self?.records[id]?.status.isRegistered == true { self?.readyChanged(by: -1) }
                self?.records[id] = nil
                self?.hub.lines.remove(id: id)
                self?.lines.remove(id: id)
                if let self { self.transactions.transport.setPrivilegedAddresses(self.lines.siteHosts) }
                _ = self?.snapshot.withLock { $0.removeValue(forKey: id) }
            }
            completion()
        }
        if remove { engine.remove(id, completion: finish) } else { engine.stop(id, completion: finish) }
    }

    /// Re-registers connection `id` with a new configuration: un-REGISTER with the old one (bounded),
    /// then register with the new one. Its calls are not touched.
    func replace(_ id: Int, with configuration: ConnectionConfiguration, completion: @escaping () -> Void)
        throws(SipEndpointError)
    {
        guard records[id] != nil else { throw SipEndpointError(.unknownConnection, "no connection \(id)") }
        engine.remove(id) { [weak self] in
            guard let self, self.records[id] != nil else { return completion() }
            self.modify(id) {
                $0.configuration = configuration
                $0.isEnabled = configuration.enabled
            }
            self.indexLine(id, configuration)
            self.engine.add(id, configuration: self.bindingConfiguration(configuration, id: id))
            self.publish(id)
            if configuration.enabled { self.engine.start(id) }
            completion()
        }
    }

    /// Whether a connection id is in use (a configuration position being added must be free).
    func hasConnection(_ id: Int) -> Bool { records[id] != nil }

    func bindingConfiguration(_ c: ConnectionConfiguration, id: Int) -> BindingConfiguration {
        let kind = c.transport
        let local =
            transactions.transport.localAddress(for: kind)
            ?? transactions.transport.localAddress(for: kind == .tls ? .tcp : kind)
        let host = configuration.endpoint.publicAddress ?? local?.ipAddress ?? localHost
        let token = lines.entries[id]?.token ?? ""
        let contact = SIPURI(
            user: LineIdentity.contactUser(user: c.user, token: token), host: host.contains(":") ? "[\(host)]" : host,
            port: local?.port)
        // The file's names (reregister_in_seconds, reg_interval, reg_retry_max, options_*) become
        // the registration machine's RFC 3261 §10 / RFC 5626 §4.5 terms here.
        let policy = RegistrationPolicy(
            // A standby is probed, not registered: lifetime 0 (see PhoneDriver+ActiveStandby).
            expires: .seconds(roles.probeOnly.contains(id) ? 0 : c.reregisterInSeconds),
            baseTime: .seconds(c.regInterval), maxTime: .seconds(c.regRetryMax),
            probeInterval: .seconds(c.optionsInterval), probeFailureThreshold: c.optionsFailureThreshold,
            // Wait for the un-REGISTER's answer one transaction timeout and a margin, never longer.
            unregisterWait: .seconds(
                max(1, (configuration.endpoint.sipTransactionTimeoutMilliseconds + 999) / 1000 + 1)))
        return BindingConfiguration(
            user: c.user, domain: c.effectiveDomain, displayName: c.displayName,
            credentials: c.password.map { DigestCredentials(user: c.user, password: $0, authUser: c.authUser) },
            transport: c.transport, policy: policy, regID: id + 1, contactURI: contact,
            instanceURN: lineInstances[c.user], authRealms: c.authRealms, requireQop: c.requireQop)
    }
}
