import Logging
import NIOCore
import NIOPosix
import NIOSSL
import SIPCore

/// TCP and TLS connections: opened to targets and reused, accepted within the limits, made ready, closed.
extension SIPTransportLayer {
    /// The ready connection to `target`, reusing an open or opening one.
    func connection(to target: SIPTransportTarget) -> EventLoopFuture<SIPConnection> {
        let key = target.connectionKey
        if let existing = outbound[key] { return existing.ready.futureResult.map { existing } }
        if let pending = pendingConnects[key] { return pending }

        let clientContext: NIOSSLContext?
        switch (target.transport, target.transport == .tls ? tlsContexts?.client() : nil) {
        case (.tls, .success(let context)): clientContext = context
        case (.tls, .failure(let error)): return eventLoop.makeFailedFuture(error)
        case (.tls, nil): return notRunning()
        default: clientContext = nil
        }
        let id = nextConnectionID
        nextConnectionID += 1
        let created = NIOLoopBoundBox<SIPConnection?>.makeEmptyBox(valueType: SIPConnection.self, eventLoop: eventLoop)
        // An IP address is never sent as SNI (RFC 6066 §3); NIOSSL then checks the certificate's IP SANs.
        let sniName = target.serverName.flatMap { (try? SocketAddress(ipAddress: $0, port: 0)) == nil ? $0 : nil }

        let future = ClientBootstrap(group: eventLoop)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .bound(toSource: configuration.outboundSource(toward: target.address))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let connection = SIPConnection(
                        id: id, channel: channel, transport: target.transport, target: target)
                    let tls = try clientContext.map { try NIOSSLClientHandler(context: $0, serverHostname: sniName) }
                    try self.addStreamHandlers(to: channel, connection: connection, tlsHandler: tls)
                    self.connections[id] = connection
                    self.outbound[key] = connection
                    created.value = connection
                }
            }
            .connect(to: target.address)
            .flatMapErrorThrowing { error -> Channel in
                let reason = (error as? SIPTransportError) ?? SIPTransportError(.connectFailed, "\(target): \(error)")
                // The pipeline may exist without the channel ever becoming active: forget it here.
                if let connection = created.value {
                    connection.markFailedBeforeReady(reason)
                    self.connectionClosed(connection, reason: reason)
                }
                throw reason
            }
            .flatMap { channel -> EventLoopFuture<SIPConnection> in
                guard let connection = created.value else {
                    return self.eventLoop.makeFailedFuture(SIPTransportError(.connectFailed, "\(target): no pipeline"))
                }
                self.armHandshakeTimeout(connection)
                return connection.ready.futureResult.map { connection }
            }
        pendingConnects[key] = future
        future.whenComplete { _ in self.pendingConnects[key] = nil }
        return future
    }

    /// A TLS handshake that never finishes must not hold a send forever.
    func armHandshakeTimeout(_ connection: SIPConnection) {
        guard !connection.isReady else { return }
        eventLoop.scheduleTask(in: configuration.connectTimeout) {
            guard !connection.isReady else { return }
            connection.failure = SIPTransportError(
                .tlsHandshakeFailed, "no TLS handshake within \(self.configuration.connectTimeout)")
            connection.channel.close(promise: nil)
        }
    }

    func acceptedConnection(
        _ channel: Channel, transport: SIPTransportProtocol, tlsHandler: NIOSSLServerHandler?
    )
        throws
    {
        // Closed at accept when over the limits: throwing here makes NIO close the socket.
        let remote = channel.remoteAddress?.ipAddress ?? "?"
        let privileged = privilegedAddresses.withLockedValue { $0.contains(remote) }
        if let refusal = inboundLimiter.admit(remote, privileged: privileged) {
            refusedInboundConnections += 1
            let level: Logger.Level = refusedInboundConnections % 1_000 == 1 ? .notice : .debug
            logger.log(
                level: level, "inbound connection refused",
                metadata: [
                    "sip.remote": "\(remote)", "sip.refusal": "\(refusal)",
                    "sip.refused_total": "\(refusedInboundConnections)",
                ])
            throw SIPTransportError(.connectionClosed, "inbound connection from \(remote) refused: \(refusal)")
        }
        let id = nextConnectionID
        nextConnectionID += 1
        let connection = SIPConnection(id: id, channel: channel, transport: transport, target: nil)
        connection.countedInboundAddress = remote
        do {
            try addStreamHandlers(to: channel, connection: connection, tlsHandler: tlsHandler)
        } catch {
            inboundLimiter.closed(remote)
            throw error
        }
        connections[id] = connection
        if transport == .tls { armInboundHandshakeDeadline(connection) }
    }

    /// A TLS handshake is the first message on an inbound TLS connection: a stranger who never finishes
    /// it must not hold the connection longer than a partial message may.
    func armInboundHandshakeDeadline(_ connection: SIPConnection) {
        let timeout = configuration.partialMessageTimeout
        eventLoop.scheduleTask(in: timeout) {
            guard !connection.isReady, self.connections[connection.id] === connection else { return }
            self.logger.notice(
                "closing inbound TLS connection without a handshake", metadata: ["sip.timeout": "\(timeout)"])
            connection.failure = SIPTransportError(.tlsHandshakeFailed, "no TLS handshake within \(timeout)")
            connection.channel.close(promise: nil)
        }
    }

    func addStreamHandlers(to channel: Channel, connection: SIPConnection, tlsHandler: (any ChannelHandler)?)
        throws
    {
        let pipeline = channel.pipeline.syncOperations
        if readingPaused { try channel.syncOptions?.setOption(.autoRead, value: false) }
        if let tlsHandler { try pipeline.addHandler(tlsHandler) }
        if let idle = configuration.idleConnectionTimeout {
            try pipeline.addHandler(IdleStateHandler(readTimeout: idle))
        }
        // Only connections others opened must complete each message in time; ours are trusted to.
        let decoder = SIPStreamDecoder(
            options: configuration.parserOptions,
            partialMessageTimeout: connection.isOutbound ? nil : configuration.partialMessageTimeout)
        try pipeline.addHandler(ByteToMessageHandler(decoder))
        // RFC 5626 §4.4.1: the side that opened the flow sends the pings.
        let keepAlive =
            connection.isOutbound
            ? configuration.keepAliveInterval.map {
                SIPKeepAliveStateMachine(interval: $0, pongTimeout: configuration.keepAlivePongTimeout)
            } : nil
        try pipeline.addHandler(SIPStreamConnectionHandler(layer: self, connection: connection, keepAlive: keepAlive))
    }

    /// False when the connection cannot be used (no addresses: it is already closing).
    func connectionBecameReady(_ connection: SIPConnection) -> Bool {
        guard let local = connection.channel.localAddress, let remote = connection.channel.remoteAddress else {
            connection.failure = SIPTransportError(.connectionClosed, "connection lost before it was ready")
            connection.channel.close(promise: nil)
            return false
        }
        connection.flow = SIPFlow(
            transport: connection.transport, localAddress: local, remoteAddress: remote, connectionID: connection.id)
        logger.debug("connection ready", metadata: ["sip.flow": "\(connection.flow.map(\.description) ?? "")"])
        return true
    }

    /// Called once or more per connection (connect failure, `channelInactive`, `handlerRemoved`); acts once.
    func connectionClosed(_ connection: SIPConnection, reason: SIPTransportError) {
        guard connections.removeValue(forKey: connection.id) != nil else { return }
        if let address = connection.countedInboundAddress { inboundLimiter.closed(address) }
        if let key = connection.target?.connectionKey, outbound[key] === connection { outbound[key] = nil }
        guard let target = connection.target, let flow = connection.flow, connection.isReady,
            !connection.closedByUs, lifecycle == .running
        else { return }
        logger.info("flow failed", metadata: ["sip.flow": "\(flow)", "sip.error": "\(reason)"])
        onEvent?(.flowFailed(SIPFlowFailure(flow: flow, target: target, error: reason)))
    }
}
