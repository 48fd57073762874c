import NIOCore
import SIPCore
import SIPTransaction
import SIPTransport
import SIPUserAgent

/// The phone's side of inbound routing and of its lines: what a received request is for (the rules
/// are ``InboundRouting``'s), and the line table that routing reads (Contact tokens, site addresses).
extension PhoneDriver {
    /// Where a received request goes (``InboundRouting``), from its source address and Request-URI.
    func route(_ received: SIPReceivedMessage) -> InboundRouting.Decision {
        let message = received.message
        guard let method = message.method else { return .drop }
        let callID = received.core?.callID ?? (try? message.callID)
        let request = InboundRouting.Request(
            method: method, requestURIUser: message.requestURI?.user,
            hasToTag: (received.core.map(\.toTag) ?? (try? message.to.tag)) != nil,
            isInKnownDialog: callID.map { calls.engine.hasSession(callID: $0) } ?? false,
            sourceHost: received.source.ipAddress ?? "", sourcePort: received.source.port)
        // A site of another shard's lines is a site too: a request it sends for a line the phone does
        // not have, or with a stale token, is dispatched here (the first shard) and gets its 404.
        let listeners = hub.listeners
        return InboundRouting.decide(
            request, table: lines, strangers: configuration.endpoint.unsolicitedRequests,
            isSiteHost: listeners.shardCount > 1 ? { listeners.isSiteHost($0) } : nil)
    }

    /// Requests that reach the phone: a session's own go to call control; a new INVITE for a
    /// connection rings on it; OPTIONS gets 200 with what we support (sites probe their contacts);
    /// others 405 with Allow (§8.2.1); what routing refuses gets its answer, or none. ACKs need no answer.
    func received(_ request: IncomingRequest) {
        let message = request.message
        guard let method = message.method else { return }
        var response: SIPMessage
        switch route(request.received) {
        case .drop:
            return
        case .dialog:
            if calls.route(request) { return }
            guard let unknown = DialogLookup.unknownDialogResponse(to: message) else { return }
            response = unknown
        case .unknownDialog:
            guard let unknown = DialogLookup.unknownDialogResponse(to: message) else { return }
            response = unknown
        case .respond(let code, let phrase):
            response = message.makeResponse(statusCode: code, reasonPhrase: phrase, toTag: Self.newTag())
        case .connection(let id):
            if method == .invite, isRunning, calls.incoming(request, connectionId: id) { return }
            guard method != .ack else { return }
            switch method {
            case .options:
                response = message.makeResponse(statusCode: 200, toTag: Self.newTag())
                response.headers.add(.allow, Self.allowed)
                response.headers.add(.accept, "application/sdp")
            case .invite:
                // Shutting down, or the connection is gone.
                response = message.makeResponse(
                    statusCode: 480, reasonPhrase: "Temporarily Unavailable", toTag: Self.newTag())
            default:
                response = message.makeResponse(statusCode: 405, toTag: Self.newTag())
                response.headers.add(.allow, Self.allowed)
            }
        }
        if let id = request.transaction {
            transactions.respond(response, to: id)
        } else {
            transactions.respondStatelessly(response, to: request.received)
        }
    }

    static let allowed = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY"

    /// Enters connection `id` in the line table: its line's instance, its Contact token, and its site's
    /// address when the server is an IP address (a host name is indexed once it resolves).
    func indexLine(_ id: Int, _ c: ConnectionConfiguration) {
        let instance = instanceURN(for: c)
        lines.add(
            id: id, user: c.user,
            token: LineIdentity.contactToken(
                instanceURN: instance, connectionId: id, server: c.server, transport: c.transport),
            isEnabled: c.enabled)
        if (try? SocketAddress(ipAddress: c.server.host, port: 0)) != nil {
            setSite(id, addresses: [(c.server.host, c.server.port ?? c.transport.defaultPort)])
        }
    }

    /// Records the addresses of connection `id`'s site; the transport reserves inbound stream
    /// connections for every site address and does not cap them per address.
    func setSite(_ id: Int, addresses: [(host: String, port: Int?)]) {
        let before = lines.siteHosts
        lines.setSite(id, addresses: addresses)
        let after = lines.siteHosts
        if after != before { transactions.transport.setPrivilegedAddresses(after) }
    }

    /// The line's `+sip.instance`: made once per DN, from the first connection that names the line.
    func instanceURN(for c: ConnectionConfiguration) -> String {
        if let known = lineInstances[c.user], c.instanceID == nil { return known }
        var random = SystemRandomNumberGenerator()
        let urn = LineIdentity.instanceURN(configured: c.instanceID, user: c.user, password: c.password) {
            SIPIdentifiers.instanceURN(using: &random)
        }
        lineInstances[c.user] = urn
        return urn
    }
}

extension PhoneDriver {
    /// A To tag for a response the phone sends outside any dialog (RFC 3261 §19.3: random, 32 bits at least).
    static func newTag() -> String {
        var generator = SystemRandomNumberGenerator()
        return SIPIdentifiers.hex(count: 10, using: &generator)
    }
}
