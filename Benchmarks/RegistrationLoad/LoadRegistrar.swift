import NIOCore
import SIPCore
import SIPTransaction
import SIPTransport
import SIPUserAgent

/// A registrar fast enough to stand opposite 20,000 registrations (`RegistrationBench`), with digest on.
///
/// A UAS on ``SIPTransactionLayer`` over loopback UDP, so every request goes through the same §17 server
/// transactions a real peer would use. REGISTER without credentials gets `401` with one Digest MD5
/// `qop=auth` challenge whose nonce never goes stale (RFC 7616 §3.3: freshness is the server's policy,
/// and a load test wants no `stale=true` rounds); credentials are checked with ``DigestVerifier`` and
/// answered `200` with the Contact and the lifetime it asked for (RFC 3261 §10.3 step 7, granting as
/// asked). OPTIONS gets `200`. Bindings live in a dictionary keyed by address of record.
///
/// Loop-confined: everything runs on `eventLoop`; the counters are read there too (``counters()``).
package final class LoadRegistrar: @unchecked Sendable {
    /// What the registrar has done, for the benchmark and the smoke test to check that digest was used.
    package struct Counters: Sendable, Hashable {
        package var challenges = 0
        package var accepted = 0
        package var rejected = 0
        package var options = 0
        package var bindings = 0

        /// All zero.
        package init() {}
    }

    package let eventLoop: any EventLoop
    package let realm: String
    private let transactions: SIPTransactionLayer
    private let nonce: String
    private let password: @Sendable (String) -> String?
    /// Address of record → Contact value and granted lifetime.
    private var bindings: [String: (contact: String, expires: Int)] = [:]
    private var counts = Counters()

    /// - Parameter password: the password of a digest user name, nil for an unknown user.
    package init(
        host: String = "127.0.0.1", port: Int = 0, realm: String, eventLoop: any EventLoop,
        password: @escaping @Sendable (String) -> String?
    ) {
        self.eventLoop = eventLoop
        self.realm = realm
        self.password = password
        var random = SystemRandomNumberGenerator()
        self.nonce = SIPIdentifiers.hex(count: 32, using: &random)
        self.transactions = SIPTransactionLayer(
            transportConfiguration: SIPTransportConfiguration(
                listeners: [.init(.udp, host: host, port: port)], keepAliveInterval: nil),
            eventLoop: eventLoop)
    }

    /// Binds the UDP socket; the registrar answers from then on.
    package func start() -> EventLoopFuture<Void> {
        eventLoop.flatSubmit {
            self.transactions.onRequest = { [weak self] request in self?.handle(request) }
            return self.transactions.start()
        }
    }

    package func shutdown() -> EventLoopFuture<Void> { transactions.shutdown() }

    /// The UDP address it listens on (after ``start()``).
    package var address: SocketAddress? { transactions.transport.localAddress(for: .udp) }

    package func counters() -> EventLoopFuture<Counters> {
        eventLoop.submit { [self] in
            var c = counts
            c.bindings = bindings.count
            return c
        }
    }

    private func handle(_ request: IncomingRequest) {
        guard let id = request.transaction else { return }  // ACKs and RFC 2543 requests: nothing to answer
        let message = request.message
        switch message.method {
        case .register?: transactions.respond(register(message), to: id)
        case .options?:
            counts.options += 1
            transactions.respond(message.makeResponse(statusCode: 200, toTag: "load"), to: id)
        default: transactions.respond(message.makeResponse(statusCode: 405, toTag: "load"), to: id)
        }
    }

    private func register(_ message: SIPMessage) -> SIPMessage {
        let credentials = ((try? message.authorization) ?? []).first { $0.isDigest && $0.realm == realm }
        guard let credentials, credentials.nonce == nonce, let user = credentials.username,
            let secret = password(user), DigestVerifier.verify(credentials, password: secret, method: .register)
        else {
            if message.headers.contains(.authorization) { counts.rejected += 1 } else { counts.challenges += 1 }
            var challenge = SIPAuthentication(scheme: "Digest")
            challenge.set("realm", realm, quoted: true)
            challenge.set("nonce", nonce, quoted: true)
            challenge.set("algorithm", "MD5", quoted: false)
            challenge.set("qop", "auth", quoted: true)
            var response = message.makeResponse(statusCode: 401, toTag: "load")
            response.headers.add(.wwwAuthenticate, challenge.description)
            return response
        }
        counts.accepted += 1
        guard let aor = (try? message.to)?.uri, let contact = ((try? message.contacts) ?? []).first?.address else {
            return message.makeResponse(statusCode: 400, reasonPhrase: "Missing To or Contact", toTag: "load")
        }
        let asked = (try? message.expires) ?? nil
        let expires = ((try? message.contacts) ?? []).first?.expires ?? asked ?? 3600
        let key = "\(aor.user ?? ""):\(aor.host)"
        var response = message.makeResponse(statusCode: 200, toTag: "load")
        if expires == 0 {
            bindings[key] = nil
            return response
        }
        var granted = contact
        granted.parameters.set("expires", "\(expires)")
        let value = granted.description
        bindings[key] = (value, expires)
        response.headers.add(.contact, value)
        return response
    }
}
