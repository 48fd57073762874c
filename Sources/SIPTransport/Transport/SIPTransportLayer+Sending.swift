import Logging
import NIOCore
import NIOPosix
import NIOSSL
import SIPCore

/// Sending: to a target over a flow the layer picks, on a given flow, and responses by RFC 3261 §18.2.2;
/// every request's top Via gets the flow's sent-by (§18.1.1).
extension SIPTransportLayer {
    /// Sends a request (or any message) to a target over a flow the layer picks: the UDP listener of
    /// the target's address family, or the connection already open to the target, or a new one.
    /// A request's top Via gets the flow's local address as sent-by and the flow's transport
    /// (§18.1.1); its branch and `rport` are kept. Build that Via with ``SIPVia/forNewTransaction(transport:host:port:)``.
    ///
    /// - Returns: the flow used; it fails with a ``SIPTransportError`` (connect, TLS handshake…).
    public func send(_ message: SIPMessage, to target: SIPTransportTarget) -> EventLoopFuture<SIPFlow> {
        // On the loop (the transaction layer's case) no closure is made: one per message showed in profiles.
        guard eventLoop.inEventLoop else { return eventLoop.flatSubmit { self.sendOnLoop(message, to: target) } }
        return sendOnLoop(message, to: target)
    }

    /// Sends on a flow a message arrived on or an earlier send returned (a request inside a dialog over
    /// the site's connection, an ACK…). Fails with `.flowClosed` when that connection is gone.
    public func send(_ message: SIPMessage, on flow: SIPFlow) -> EventLoopFuture<Void> {
        guard eventLoop.inEventLoop else { return eventLoop.flatSubmit { self.send(message, on: flow) } }
        guard lifecycle == .running else { return notRunning() }
        switch flow.transport {
        case .udp:
            guard let channel = udpChannel(local: flow.localAddress) ?? udpChannel(for: flow.remoteAddress) else {
                return eventLoop.makeFailedFuture(SIPTransportError(.noListener, "no UDP socket for \(flow)"))
            }
            return write(message, datagramTo: flow.remoteAddress, on: channel).map { _ in }
        case .tcp, .tls:
            guard let id = flow.connectionID, let connection = connections[id], connection.isReady else {
                return eventLoop.makeFailedFuture(SIPTransportError(.flowClosed, "\(flow) is closed"))
            }
            return write(message, on: connection).map { _ in }
        }
    }

    /// Sends a response to a request that arrived on `flow`, by RFC 3261 §18.2.2 (see
    /// ``SIPResponseRouting``): on the same connection while it is open, else to `received`/`rport`,
    /// `maddr` or sent-by. UDP responses leave from the socket the request arrived on (RFC 3581 §4).
    /// A sent-by that is a host name needs RFC 3263 §5 resolution, which is not done here: it fails
    /// with `.invalidMessage`.
    public func sendResponse(_ response: SIPMessage, receivedOn flow: SIPFlow) -> EventLoopFuture<SIPFlow> {
        routeResponse(response, serialized: nil, topVia: nil, receivedOn: flow)
    }

    /// Sends a response already in wire form, routed as ``sendResponse(_:receivedOn:)`` routes it: the
    /// bytes are written as they are (a response's Via is not rewritten, so they are what
    /// ``sendResponse(_:receivedOn:)`` would write).
    public func sendResponse(
        _ response: SIPMessage, serialized: ByteBuffer, topVia: SIPTopVia?, receivedOn flow: SIPFlow
    )
        -> EventLoopFuture<SIPFlow>
    {
        routeResponse(response, serialized: serialized, topVia: topVia, receivedOn: flow)
    }

    /// Writes bytes once more on a flow an earlier send returned (a server transaction's retransmitted
    /// response, RFC 3261 §17.2.2); fails with `.flowClosed` when its connection is gone.
    public func resend(_ serialized: ByteBuffer, on flow: SIPFlow) -> EventLoopFuture<Void> {
        guard eventLoop.inEventLoop else { return eventLoop.flatSubmit { self.resend(serialized, on: flow) } }
        guard lifecycle == .running else { return notRunning() }
        if let trace = configuration.trace, let message = try? SIPMessage(parsing: serialized) {
            trace(
                SIPTraceRecord(
                    time: .now(), direction: .sent, transport: flow.transport, local: flow.localAddress.sipHostPort,
                    remote: flow.remoteAddress.sipHostPort, message: message))
        }
        switch flow.transport {
        case .udp:
            guard let channel = udpChannel(local: flow.localAddress) ?? udpChannel(for: flow.remoteAddress) else {
                return eventLoop.makeFailedFuture(SIPTransportError(.noListener, "no UDP socket for \(flow)"))
            }
            let written = channel.write(AddressedEnvelope(remoteAddress: flow.remoteAddress, data: serialized))
            flushSoon(channel)
            return written.flatMapErrorThrowing { error in
                throw SIPTransportError(.connectionClosed, "UDP send to \(flow.remoteAddress): \(error)")
            }
        case .tcp, .tls:
            guard let id = flow.connectionID, let connection = connections[id], connection.isReady else {
                return eventLoop.makeFailedFuture(SIPTransportError(.flowClosed, "\(flow) is closed"))
            }
            return connection.channel.writeAndFlush(serialized).flatMapErrorThrowing { error in
                throw SIPTransportError(.connectionClosed, "write on \(flow): \(error)")
            }
        }
    }

    /// §18.2.2 routing of a response, written from `serialized` when given.
    private func routeResponse(
        _ response: SIPMessage, serialized: ByteBuffer?, topVia: SIPTopVia?, receivedOn flow: SIPFlow
    ) -> EventLoopFuture<SIPFlow> {
        guard eventLoop.inEventLoop else {
            return eventLoop.flatSubmit {
                self.routeResponse(response, serialized: serialized, topVia: topVia, receivedOn: flow)
            }
        }
        switch responseRoute(response, topVia: topVia, receivedOn: flow) {
        case .failed(let error):
            return eventLoop.makeFailedFuture(error)
        case .connection(let connection):
            return write(response, serialized: serialized, on: connection)
        case .datagram(let address, let channel):
            return write(response, serialized: serialized, datagramTo: address, on: channel)
        case .target(let target):
            return sendOnLoop(response, to: target)
        }
    }

    /// Where §18.2.2 sends a response to a request that arrived on `flow` (its top Via `topVia`, or
    /// parsed from `response` when nil).
    enum ResponseRoute {
        case connection(SIPConnection)
        case datagram(SocketAddress, Channel)
        case target(SIPTransportTarget)
        case failed(SIPTransportError)
    }

    func responseRoute(_ response: SIPMessage, topVia: SIPTopVia?, receivedOn flow: SIPFlow) -> ResponseRoute {
        guard lifecycle == .running else {
            return .failed(SIPTransportError(.notRunning, "the transport layer is not running"))
        }
        let via: SIPTopVia
        do {
            via = try topVia ?? response.topViaFields(response.topViaView)
        } catch {
            return .failed(SIPTransportError(.invalidMessage, "response top Via: \(error)"))
        }
        let open = flow.connectionID.flatMap { connections[$0] }.map(\.isReady) ?? false
        switch SIPResponseRouting.destination(for: via, connectionIsOpen: open) {
        case nil:
            return .failed(SIPTransportError(.invalidMessage, "Via transport \(via.transport) is not supported"))
        case .sameConnection:
            guard let id = flow.connectionID, let connection = connections[id] else {
                return .failed(SIPTransportError(.flowClosed, "\(flow) is closed"))
            }
            return .connection(connection)
        case .address(let host, let port, let transport):
            // Usually the request's source (`received` and `rport` stamped from it): that address is
            // taken as it is instead of parsed from text again (an allocation and inet_pton).
            let source = flow.remoteAddress
            let sameAsSource = source.port == port && source.ipv4Text == host
            guard let address = sameAsSource ? source : try? SocketAddress(ipAddress: host, port: port) else {
                return .failed(SIPTransportError(.invalidMessage, "response to \(host) needs RFC 3263 §5 resolution"))
            }
            if transport == .udp, flow.transport == .udp, let channel = udpChannel(local: flow.localAddress) {
                return .datagram(address, channel)
            }
            return .target(SIPTransportTarget(transport: transport, address: address))
        }
    }

    func sendOnLoop(_ message: SIPMessage, to target: SIPTransportTarget) -> EventLoopFuture<SIPFlow> {
        guard lifecycle == .running else { return notRunning() }
        switch target.transport {
        case .udp:
            guard let channel = udpChannel(for: target.address) else {
                return eventLoop.makeFailedFuture(
                    SIPTransportError(.noListener, "no UDP listener for the address family of \(target)"))
            }
            return write(message, datagramTo: target.address, on: channel)
        case .tcp, .tls:
            return connection(to: target).flatMap { self.write(message, on: $0) }
        }
    }

    /// UDP: fills the top Via of a request and writes the datagram.
    func write(
        _ message: SIPMessage, serialized: ByteBuffer? = nil, datagramTo address: SocketAddress, on channel: Channel
    ) -> EventLoopFuture<SIPFlow> {
        switch writeDatagram(message, serialized: serialized, to: address, on: channel, reportingFailure: true) {
        case .pending(let future):
            return future
        case .written(let flow, let completion):
            // One promise of our own instead of `map` and `flatMapErrorThrowing` (a future and a
            // closure each, for every datagram).
            let sent = eventLoop.makePromise(of: SIPFlow.self)
            completion?.whenComplete { result in
                switch result {
                case .success: sent.succeed(flow)
                case .failure(let error): sent.fail(SIPTransportError.datagramNotSent(to: address, error))
                }
            }
            return sent.futureResult
        }
    }

    /// UDP: fills the top Via of a request and writes the datagram; a write future only when
    /// `reportingFailure` (see ``SIPSendOutcome``).
    func writeDatagram(
        _ message: SIPMessage, serialized: ByteBuffer?, to address: SocketAddress, on channel: Channel,
        reportingFailure: Bool
    ) -> SIPSendOutcome {
        guard let local = channel.localAddress else {
            return .pending(
                eventLoop.makeFailedFuture(SIPTransportError(.noListener, "UDP socket has no local address")))
        }
        let flow = SIPFlow(transport: .udp, localAddress: local, remoteAddress: address)
        let bytes: ByteBuffer
        do {
            bytes = try wireBytes(message, serialized: serialized, flow: flow, allocator: channel.allocator)
        } catch {
            return .pending(eventLoop.makeFailedFuture(error))
        }
        let written = reportingFailure ? eventLoop.makePromise(of: Void.self) : nil
        // Through the pipeline, whose generic `write` is specialized here for the envelope:
        // `Channel.write` on the existential wraps it in `NIOAny` unspecialized, four dynamic
        // casts and a generic metadata lookup per datagram (≈ 5,000 instructions).
        channel.pipeline.write(AddressedEnvelope(remoteAddress: address, data: bytes), promise: written)
        flushSoon(channel)
        return .written(flow, completion: written?.futureResult)
    }

    /// ``SIPMessageTransport/write(_:to:reportingFailure:)``: a datagram on the loop is written at once.
    public func write(_ message: SIPMessage, to target: SIPTransportTarget, reportingFailure: Bool) -> SIPSendOutcome {
        guard eventLoop.inEventLoop, lifecycle == .running, target.transport == .udp,
            let channel = udpChannel(for: target.address)
        else { return .pending(send(message, to: target)) }
        return writeDatagram(
            message, serialized: nil, to: target.address, on: channel, reportingFailure: reportingFailure)
    }

    /// ``SIPMessageTransport/writeResponse(_:serialized:topVia:receivedOn:reportingFailure:)``: a
    /// response routed (§18.2.2) to a UDP socket, on the loop, is written at once.
    public func writeResponse(
        _ response: SIPMessage, serialized: ByteBuffer?, topVia: SIPTopVia?, receivedOn flow: SIPFlow,
        reportingFailure: Bool
    ) -> SIPSendOutcome {
        guard eventLoop.inEventLoop else {
            return .pending(routeResponse(response, serialized: serialized, topVia: topVia, receivedOn: flow))
        }
        switch responseRoute(response, topVia: topVia, receivedOn: flow) {
        case .failed(let error):
            return .pending(eventLoop.makeFailedFuture(error))
        case .connection(let connection):
            return .pending(write(response, serialized: serialized, on: connection))
        case .datagram(let address, let channel):
            return writeDatagram(
                response, serialized: serialized, to: address, on: channel, reportingFailure: reportingFailure)
        case .target(let target):
            return .pending(sendOnLoop(response, to: target))
        }
    }

    /// Flushes `channel` once the current loop task is over, with every datagram written meanwhile:
    /// NIO then sends them with one `sendmmsg(2)` instead of one `sendmsg(2)` each. A response
    /// written while a batch of received datagrams is handled leaves microseconds later, not never.
    func flushSoon(_ channel: Channel) {
        guard !udpChannelsToFlush.contains(where: { $0 === channel }) else { return }
        udpChannelsToFlush.append(channel)
        if udpChannelsToFlush.count == 1 {
            eventLoop.execute {
                // Emptied in place, keeping its storage for the next batch; a channel added while
                // flushing is flushed here too (and once more, harmlessly, by the task it schedules).
                while let channel = self.udpChannelsToFlush.popLast() { channel.flush() }
            }
        }
    }

    /// TCP/TLS: fills the top Via of a request and writes on the connection.
    func write(_ message: SIPMessage, serialized: ByteBuffer? = nil, on connection: SIPConnection)
        -> EventLoopFuture<SIPFlow>
    {
        guard let flow = connection.flow else {
            return eventLoop.makeFailedFuture(SIPTransportError(.flowClosed, "connection #\(connection.id) not ready"))
        }
        do {
            let bytes = try wireBytes(
                message, serialized: serialized, flow: flow, allocator: connection.channel.allocator)
            return connection.channel.writeAndFlush(bytes).map { flow }.flatMapErrorThrowing { error in
                throw SIPTransportError(.connectionClosed, "write on \(flow): \(error)")
            }
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
    }

    /// §18.1.1: the sent-by of a request's top Via is the address and port the flow really uses.
    /// A response given in wire form (`serialized`) is written as it is.
    func wireBytes(_ message: SIPMessage, serialized: ByteBuffer? = nil, flow: SIPFlow, allocator: ByteBufferAllocator)
        throws(SIPTransportError) -> ByteBuffer
    {
        if let serialized, !message.isRequest {
            configuration.trace?(
                SIPTraceRecord(
                    time: .now(), direction: .sent, transport: flow.transport, local: flow.localAddress.sipHostPort,
                    remote: flow.remoteAddress.sipHostPort, message: message))
            return serialized
        }
        var buffer = allocator.buffer(capacity: message.body.readableBytes + 512)
        if message.isRequest {
            // Written with the sent-by filled in; the message itself is edited only for a trace.
            let transport = flow.transport.viaToken
            let host = flow.localAddress.sipHost
            let port = flow.localAddress.port
            do {
                try message.write(into: &buffer, topViaTransport: transport, host: host, port: port)
                if let trace = configuration.trace {
                    var sent = message
                    try sent.setTopViaSentBy(transport: transport, host: host, port: port)
                    trace(
                        SIPTraceRecord(
                            time: .now(), direction: .sent, transport: flow.transport,
                            local: flow.localAddress.sipHostPort, remote: flow.remoteAddress.sipHostPort, message: sent)
                    )
                }
            } catch {
                throw SIPTransportError(.invalidMessage, "request needs a top Via: \(error)")
            }
            return buffer
        }
        message.write(into: &buffer)
        configuration.trace?(
            SIPTraceRecord(
                time: .now(), direction: .sent, transport: flow.transport, local: flow.localAddress.sipHostPort,
                remote: flow.remoteAddress.sipHostPort, message: message))
        return buffer
    }
}
