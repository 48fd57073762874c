import NIOCore

/// RFC 3263 §4.1 for a connection whose configuration names no transport
/// (``ConnectionConfiguration/transportFromDNS``): the transport is chosen by server location (NAPTR,
/// else SRV per transport) before the connection first registers, and the connection then is a
/// connection over that transport in every respect (Contact, keep-alive, events) — later locations of
/// its site ask SRV for that transport directly.
extension PhoneDriver {
    /// Runs `start` at once for a connection whose transport is configured, or once server location
    /// has chosen it (on a failed location, with the configured default, UDP).
    func whenTransportKnown(_ id: Int, _ start: @escaping () -> Void) {
        guard let configuration = records[id]?.configuration, configuration.transportFromDNS else { return start() }
        // The answer completes on this loop, where `start` may run.
        let start = NIOLoopBound(start, eventLoop: eventLoop)
        resolution.transport(for: configuration.server, on: eventLoop).whenComplete { [weak self] result in
            guard let self, let record = self.records[id] else { return }
            if case .success(let kind?) = result, kind != record.configuration.transport {
                self.modify(id) { $0.configuration.transport = kind }
                self.indexLine(id, record.configuration)
                // Not started yet: the binding is replaced before its first REGISTER.
                self.engine.add(id, configuration: self.bindingConfiguration(record.configuration, id: id))
                self.logger.info("connection \(id): RFC 3263 chose \(kind.rawValue) for \(record.configuration.server)")
            }
            self.publish(id)
            start.value()
        }
    }
}
