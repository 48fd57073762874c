import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SIPCore
import SIPMedia
import SIPTransaction
import SIPTransport
import SIPUserAgent

/// A whole SIP site in the test process, on its own event loop and loopback port: a registrar that
/// challenges with digest and checks the answer (RFC 7616 via `DigestVerifier`), answers OPTIONS, and
/// serves test numbers (answer with an echo of the caller's RTP, reject with a code, stay silent).
/// It can die (its sockets close and nothing answers) and come back on the same port, which is what
/// the failover tests and the QuickStart demo need, or hang with its port bound (``freeze()``). Built on the SDK's own transaction layer, so it
/// retransmits and absorbs retransmissions like a real server.
public final class InProcessSite: Sendable {
    /// What the site does with a new INVITE whose Request-URI user is one of its
    /// ``Configuration/testNumbers``; an INVITE to any other number gets 404 (the site does not route
    /// calls to its registered users).
    public enum TestNumber: Sendable, Hashable {
        /// 180 Ringing, then 200 OK with an SDP answer (RFC 3264, to the INVITE's offer) after `ringing`;
        /// BYE is answered and ends the media.
        case answer(ringing: Duration = .milliseconds(100), media: AnswerMedia = .echo)
        /// Early media: 183 Session Progress with the SDP answer and the echo running at once (an IVR
        /// prompt or a network's ringback before the answer), then after `ringing` the final response
        /// `final`: 200 OK with the same answer, or a failure that ends the media.
        case earlyMedia(ringing: Duration = .milliseconds(600), final: Int = 200)
        /// A final response with this code.
        case reject(Int)
        /// The INVITE is absorbed by its transaction and never answered.
        case silent
    }

    /// What an answered test number does with RTP.
    public enum AnswerMedia: Sendable, Hashable {
        /// Sends back what it receives (about 60 ms later), on real ports reserved on the site's host.
        case echo
        /// Answers with SDP for ports it holds but sends nothing and reads nothing: the media path of
        /// a dead site, for `rtp_inactivity_timeout`.
        case none
    }

    /// Who the site is and what it serves; fixed once the site is started (kill and revive keep it).
    public struct Configuration: Sendable {
        /// Name used in logs and the realm. Default: "site".
        public var name: String
        /// Loopback address to bind. Default: 127.0.0.1.
        public var host: String
        /// UDP port; 0 = any free port (kept when the site comes back). Default: 0.
        public var port: Int
        /// Users and their passwords; a REGISTER from anyone else gets 403. Default: 7001…7010 / pass7001….
        public var users: [String: String]
        /// Numbers the site answers itself. Default: 9000 answers and echoes, 9001 answers with no RTP,
        /// 9183 plays early media (183 with the echo running, 200 after 600 ms),
        /// 9486 busy, 9408, 9503, 9999 silent.
        public var testNumbers: [String: TestNumber]
        /// How long the site waits before its final response to a re-INVITE or a BYE within a call (a
        /// slow peer). Default: none.
        public var inDialogAnswerDelay: Duration = .zero

        /// A site named `name` (default `site`) on `host` (default `127.0.0.1`, an IP literal) and UDP `port`
        /// (default 0: any free port), with registrable `users` (default 7001…7010, password `pass` + the
        /// number) and `testNumbers` (default 9000, 9001, 9183, 9486, 9408, 9503, 9999 as listed on
        /// ``testNumbers``).
        public init(
            name: String = "site", host: String = "127.0.0.1", port: Int = 0,
            users: [String: String] = Dictionary(uniqueKeysWithValues: (7001...7010).map { ("\($0)", "pass\($0)") }),
            testNumbers: [String: TestNumber] = [
                "9000": .answer(), "9001": .answer(media: .none), "9183": .earlyMedia(), "9486": .reject(486),
                "9408": .reject(408), "9503": .reject(503), "9999": .silent,
            ]
        ) {
            self.name = name
            self.host = host
            self.port = port
            self.users = users
            self.testNumbers = testNumbers
        }
    }

    private struct State {
        var layer: SIPTransactionLayer?
        var port: Int
        var bindings: [String: SIPURI] = [:]
        var registerCount = 0
        var invites: [SIPMessage] = []
        var inviteArrivals: [ContinuousClock.Instant] = []
        var byeCount = 0
        var calls: [String: SIPReceivedMessage] = [:]
        /// The media of answered calls, by Call-ID; touched on the site's loop only.
        var media: [String: SiteCallMedia] = [:]
        /// Calls CANCELled while ringing, so their late 200 task opens no media.
        var cancelled: Set<String> = []
        /// The dialog of the last answered call the site placed, for ``reinviteWithoutOffer()``.
        var lastPlaced: PlacedCall?
        var stopped = false
        /// While the site is dead: a socket on its port that reads and drops everything, so no other
        /// socket of the machine takes the port before ``revive()`` binds it again.
        var tombstone: (any Channel)?
        /// INVITEs the site sent that await their final response: ended with none when the site dies
        /// (its transaction layer forgets them without a word).
        var awaitingFinal: [UInt64: @Sendable (SIPMessage?) -> Void] = [:]
        var nextAwaitingID: UInt64 = 0
    }

    private struct PlacedCall {
        var from: String
        var to: String
        var callID: String
        var remoteTarget: SIPURI
        var target: SIPTransportTarget
        var sequence: Int
    }

    /// The configuration the site was started with; unchanged by ``kill()`` and ``revive()``.
    public let configuration: Configuration
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    /// The packet clock of the site's one loop, shared by every echo (and kept across kill/revive).
    private let mediaClock: MediaClock
    private let state: NIOLockedValueBox<State>
    private let nonce: String

    private init(configuration: Configuration) {
        self.configuration = configuration
        self.state = NIOLockedValueBox(State(port: configuration.port))
        var random = SystemRandomNumberGenerator()
        self.nonce = SIPIdentifiers.hex(count: 32, using: &random)
        self.mediaClock = MediaClock(eventLoop: group.next())
    }

    /// Starts a site listening on UDP.
    public static func start(_ configuration: Configuration = Configuration()) async throws -> InProcessSite {
        let site = InProcessSite(configuration: configuration)
        try await site.bringUp()
        return site
    }

    /// The site's UDP port on ``Configuration/host``: the configured one, or the one the system chose for 0.
    public var port: Int { state.withLockedValue { $0.port } }
    /// Whether the site is running and answering: true after ``start(_:)`` and ``revive()``, false after
    /// ``kill()``.
    public var isUp: Bool { state.withLockedValue { $0.layer != nil } }
    /// Current registrations: DN → contact.
    public var registrations: [String: SIPURI] { state.withLockedValue { $0.bindings } }
    /// How many REGISTERs arrived (with or without credentials).
    public var registerCount: Int { state.withLockedValue { $0.registerCount } }
    /// Every INVITE that arrived, in order.
    public var invites: [SIPMessage] { state.withLockedValue { $0.invites } }
    /// When each of `invites` reached the site's handler (after the transaction layer parsed it), in
    /// the same order: benchmarks measure how long an INVITE took to leave a phone and arrive.
    public var inviteArrivals: [ContinuousClock.Instant] { state.withLockedValue { $0.inviteArrivals } }
    /// How many BYEs arrived and were answered 200 (retransmissions are absorbed by their transaction).
    public var byeCount: Int { state.withLockedValue { $0.byeCount } }

    /// The fault switch of the running stack (``freeze()``); nil while the site is down.
    var faults: FaultInjectingTransport? {
        state.withLockedValue { $0.layer?.transport as? FaultInjectingTransport }
    }

    /// Calls whose media is open (echoing, or holding its ports for `.none`).
    public var mediaCallCount: Int { state.withLockedValue { $0.media.count } }

    /// The site dies: its SIP stack and RTP sockets close, nothing answers, registrations are forgotten
    /// (a restarted Kamailio keeps none either). Until ``revive()`` its SIP port is held by a socket
    /// that drops everything unanswered, so the port is still free when the site comes back.
    public func kill() async throws {
        try await shutDownStack()
        let port = state.withLockedValue { $0.port }
        // The same race as in revive(): the port may be taken for a moment after the stack let it go.
        var tombstone: (any Channel)?
        for _ in 0..<40 {
            tombstone = try? await DatagramBootstrap(group: group).bind(host: configuration.host, port: port).get()
            if tombstone != nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        state.withLockedValue { $0.tombstone = tombstone }
    }

    private func shutDownStack() async throws {
        let (layer, media, awaiting) = state.withLockedValue {
            s -> (SIPTransactionLayer?, [SiteCallMedia], [@Sendable (SIPMessage?) -> Void]) in
            defer {
                s.layer = nil
                s.bindings = [:]
                s.media = [:]
                s.awaitingFinal = [:]
            }
            return (s.layer, Array(s.media.values), Array(s.awaitingFinal.values))
        }
        for finish in awaiting { finish(nil) }
        try await mediaClock.eventLoop.submit { for m in media { m.close() } }.get()
        try await layer?.shutdown().get()
    }

    /// The site comes back on the same port.
    public func revive() async throws {
        guard !isUp else { return }
        try await releaseTombstone()
        // Between the tombstone's close and the bind another socket of the machine may take the port
        // for a moment (an ephemeral port picked for an outbound socket): try again for a while.
        var attempt = 0
        while true {
            do {
                try await bringUp()
                break
            } catch {
                attempt += 1
                guard attempt < 40 else { throw error }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    private func releaseTombstone() async throws {
        let tombstone = state.withLockedValue { s in
            defer { s.tombstone = nil }
            return s.tombstone
        }
        try await tombstone?.close()
    }

    /// Stops the site for good; safe to call more than once.
    public func stop() async throws {
        guard
            state.withLockedValue({ s in
                defer { s.stopped = true }
                return !s.stopped
            })
        else { return }
        try await shutDownStack()
        try await releaseTombstone()
        try await group.shutdownGracefully()
    }

    private func bringUp() async throws {
        let port = state.withLockedValue { $0.port }
        let transport = SIPTransportLayer(
            configuration: SIPTransportConfiguration(
                listeners: [.init(.udp, host: configuration.host, port: port)], keepAliveInterval: nil),
            eventLoop: group.next())
        let layer = SIPTransactionLayer(transport: FaultInjectingTransport(wrapping: transport))
        try await layer.eventLoop.submit {
            layer.onRequest = { [weak self, weak layer] request in
                guard let self, let layer else { return }
                self.handle(request, on: layer)
            }
        }.get()
        do {
            try await layer.start().get()
        } catch {
            try? await layer.shutdown().get()
            throw error
        }
        let bound = layer.transport.localAddress(for: .udp)?.port ?? port
        state.withLockedValue {
            $0.layer = layer
            $0.port = bound
        }
    }

    // MARK: Serving requests (on the site's loop)

    private func handle(_ request: IncomingRequest, on layer: SIPTransactionLayer) {
        let message = request.message
        guard let method = message.method else { return }
        func respond(_ response: SIPMessage) {
            if let id = request.transaction {
                layer.respond(response, to: id)
            } else {
                layer.respondStatelessly(response, to: request.received)
            }
        }
        let toTag = "\(configuration.name)-\(UInt32.random(in: 1...UInt32.max))"
        switch method {
        case .register:
            respond(register(message, toTag: toTag))
        case .options:
            respond(message.makeResponse(statusCode: 200, toTag: toTag))
        case .invite:
            invite(request, on: layer, toTag: toTag)
        case .bye:
            let callID = message.headers.first(.callID) ?? ""
            let media = state.withLockedValue { s -> SiteCallMedia? in
                s.byeCount += 1
                return s.media.removeValue(forKey: callID)
            }
            media?.close()
            let ok = message.makeResponse(statusCode: 200)
            let (transaction, received) = (request.transaction, request.received)
            inDialogAnswer(on: layer) {
                if let transaction {
                    layer.respond(ok, to: transaction)
                } else {
                    layer.respondStatelessly(ok, to: received)
                }
            }
        case .ack:
            return
        case .cancel:
            respond(message.makeResponse(statusCode: 200))
            if let callID = message.headers.first(.callID) {
                // Early media already running ends with the call; otherwise the late 200 must open none.
                let early = state.withLockedValue { s -> SiteCallMedia? in
                    if let media = s.media.removeValue(forKey: callID) { return media }
                    s.cancelled.insert(callID)
                    return nil
                }
                early?.close()
            }
            if let id = request.transaction, let (invite, received) = layer.inviteTransaction(cancelledBy: id) {
                layer.respond(received.message.makeResponse(statusCode: 487, toTag: toTag), to: invite)
            }
        default:
            respond(message.makeResponse(statusCode: 405))
        }
    }

    private func register(_ message: SIPMessage, toTag: String) -> SIPMessage {
        state.withLockedValue { $0.registerCount += 1 }
        guard let user = try? message.to.uri.user, let password = configuration.users[user] else {
            return message.makeResponse(statusCode: 403, toTag: toTag)
        }
        guard let credentials = try? message.authorization.first,
            credentials.nonce == nonce,
            DigestVerifier.verify(credentials, username: user, password: password, method: .register)
        else {
            var challenge = message.makeResponse(statusCode: 401, toTag: toTag)
            var auth = SIPAuthentication(scheme: "Digest")
            auth.set("realm", configuration.name, quoted: true)
            auth.set("nonce", nonce, quoted: true)
            auth.set("algorithm", "MD5", quoted: false)
            auth.set("qop", "auth", quoted: true)
            challenge.headers.add(.wwwAuthenticate, auth.description)
            return challenge
        }
        let expires = (try? message.expires) ?? 3600
        var response = message.makeResponse(statusCode: 200, toTag: toTag)
        if let contact = try? message.contacts.first?.address {
            state.withLockedValue { $0.bindings[user] = expires == 0 ? nil : contact.uri }
            if expires > 0 {
                var granted = contact
                granted.parameters.set("expires", String(expires))
                response.headers.add(.contact, granted.description)
            }
        }
        return response
    }

    /// Sends a final response within a call now, or after ``Configuration/inDialogAnswerDelay``.
    private func inDialogAnswer(on layer: SIPTransactionLayer, _ send: @escaping @Sendable () -> Void) {
        let delay = configuration.inDialogAnswerDelay
        if delay == .zero {
            send()
        } else {
            layer.eventLoop.scheduleTask(in: TimeAmount(delay)) { send() }
        }
    }

    private func invite(_ request: IncomingRequest, on layer: SIPTransactionLayer, toTag: String) {
        let message = request.message
        let arrived = ContinuousClock.now
        state.withLockedValue {
            $0.invites.append(message)
            $0.inviteArrivals.append(arrived)
        }
        guard let id = request.transaction else { return }
        let number = message.requestURI?.user ?? ""
        // A re-INVITE in a call with media (hold, retrieve), the site's own calls included: answered
        // on the same ports, whatever number the request URI names.
        let callID = message.headers.first(.callID) ?? ""
        if (try? message.to.tag) != nil, state.withLockedValue({ $0.media[callID] != nil }) {
            guard let body = answerBody(for: message, mode: .echo) else {
                layer.respond(message.makeResponse(statusCode: 488), to: id)
                return
            }
            var ok = message.makeResponse(statusCode: 200, body: body)
            ok.headers.add(.contact, "<sip:\(number)@\(configuration.host):\(port)>")
            ok.headers.add(.contentType, "application/sdp")
            let answer = ok
            inDialogAnswer(on: layer) { layer.respond(answer, to: id) }
            return
        }
        switch configuration.testNumbers[number] {
        case .none:
            layer.respond(message.makeResponse(statusCode: 404, toTag: toTag), to: id)
        case .reject(let code):
            layer.respond(message.makeResponse(statusCode: code, toTag: toTag), to: id)
        case .silent:
            return
        case .answer(let ringing, let mode):
            layer.respond(message.makeResponse(statusCode: 180, toTag: toTag), to: id)
            let loop = layer.eventLoop
            loop.scheduleTask(in: TimeAmount(ringing)) {
                guard let body = self.answerBody(for: message, mode: mode) else {
                    layer.respond(message.makeResponse(statusCode: 488, toTag: toTag), to: id)
                    return
                }
                var ok = message.makeResponse(statusCode: 200, toTag: toTag, body: body)
                ok.headers.add(.contact, "<sip:\(number)@\(self.configuration.host):\(self.port)>")
                ok.headers.add(.contentType, "application/sdp")
                layer.respond(ok, to: id)
            }
        case .earlyMedia(let ringing, let final):
            guard let body = answerBody(for: message, mode: .echo) else {
                layer.respond(message.makeResponse(statusCode: 488, toTag: toTag), to: id)
                return
            }
            // RFC 3261 §13.2.1 / RFC 3264: the answer rides in the 183; a 200 repeats it unchanged.
            var progress = message.makeResponse(statusCode: 183, toTag: toTag, body: body)
            progress.headers.add(.contact, "<sip:\(number)@\(configuration.host):\(port)>")
            progress.headers.add(.contentType, "application/sdp")
            layer.respond(progress, to: id)
            let callID = message.headers.first(.callID) ?? ""
            layer.eventLoop.scheduleTask(in: TimeAmount(ringing)) {
                guard final == 200 else {
                    self.state.withLockedValue { $0.media.removeValue(forKey: callID) }?.close()
                    layer.respond(message.makeResponse(statusCode: final, toTag: toTag), to: id)
                    return
                }
                var ok = message.makeResponse(statusCode: 200, toTag: toTag, body: body)
                ok.headers.add(.contact, "<sip:\(number)@\(self.configuration.host):\(self.port)>")
                ok.headers.add(.contentType, "application/sdp")
                layer.respond(ok, to: id)
            }
        }
    }

    /// The SDP of a 200 to `invite`: the answer to its offer, with media opened (or, for a re-INVITE,
    /// updated) for the call; nil when the offer cannot be answered (488). An INVITE without an offer
    /// gets the fixed description and no media, as the site always did.
    private func answerBody(for invite: SIPMessage, mode: AnswerMedia) -> ByteBuffer? {
        let callID = invite.headers.first(.callID) ?? ""
        let (existing, wasCancelled) = state.withLockedValue { ($0.media[callID], $0.cancelled.remove(callID) != nil) }
        guard !wasCancelled else { return ByteBuffer(string: Self.answerSDP(host: configuration.host)) }
        let offer: SessionDescription
        do {
            guard let parsed = try invite.sessionDescription() else {
                return ByteBuffer(string: Self.answerSDP(host: configuration.host))
            }
            offer = parsed
        } catch {
            return nil
        }
        if let existing {
            return (try? existing.reanswer(offer))?.byteBuffer
        }
        guard
            let (media, answer) = try? SiteCallMedia.answer(
                offer, host: configuration.host, mode: mode, clock: mediaClock,
                cname: "\(configuration.name)@\(configuration.host)")
        else { return nil }
        state.withLockedValue { $0.media[callID] = media }
        return answer.byteBuffer
    }

    /// How a call the site places offers media (RFC 3264 §5; RFC 3261 §13.2.1 for the late offer).
    public enum CallOffer: Sendable, Hashable {
        /// A fixed offer on the discard port, with no media behind it.
        case fixed
        /// A real offer; the site echoes what the phone sends once it answers.
        case echo
        /// No SDP in the INVITE, as a 3pcc server sends: the phone offers in its 200 and the site
        /// answers in the ACK, then echoes.
        case late
    }

    /// Calls a registered user (an inbound call for the phone): an INVITE from `caller` (default `5551234`)
    /// with the media `offer` (default ``CallOffer/fixed``) to the Contact `user` registered, then an ACK for
    /// a 2xx (carrying the site's answer for ``CallOffer/late``).
    ///
    /// Returns the final status code: 404 at once when `user` has no registration (or its Contact host is
    /// not an IP literal), 408 when the INVITE transaction ends without a final response. `timeout`
    /// (default 10 s) is not used: the wait ends with the transaction's own timer (Timer B, §17.1.1.2).
    /// `headers`: more headers for the INVITE (a B2BUA's correlation header, e.g. X-Call-UUID).
    /// Throws when the site cannot set up the media of an ``CallOffer/echo`` offer or send the ACK.
    public func call(
        _ user: String, from caller: String = "5551234", offer: CallOffer = .fixed, timeout: Duration = .seconds(10),
        headers extra: [(String, String)] = []
    ) async throws -> Int {
        guard let layer = state.withLockedValue({ $0.layer }), let contact = registrations[user],
            let address = try? SocketAddress(ipAddress: contact.hostWithoutBrackets, port: contact.port ?? 5060)
        else { return 404 }
        let target = SIPTransportTarget(transport: .udp, address: address)
        var h = SIPHeaders()
        h.add(
            .via,
            SIPVia(transport: "UDP", host: configuration.host, port: port, branch: SIPVia.makeBranch()).description)
        h.add(.maxForwards, "70")
        h.add(.from, "<sip:\(caller)@\(configuration.host)>;tag=\(configuration.name)-in")
        h.add(.to, "<sip:\(user)@\(configuration.host)>")
        h.add(.callID, "in-\(UInt64.random(in: 1...UInt64.max))@\(configuration.name)")
        h.add(.cseq, "1 INVITE")
        h.add(.contact, "<sip:\(caller)@\(configuration.host):\(port)>")
        for (name, value) in extra { h.add(SIPHeaderName(name), value) }
        let callID = h.first(.callID) ?? ""
        let cname = "\(configuration.name)@\(configuration.host)"
        var body: ByteBuffer?
        var offered: SiteCallMedia?
        switch offer {
        case .fixed:
            body = ByteBuffer(string: Self.answerSDP(host: configuration.host))
        case .echo:
            let (media, sdp) = try await mediaClock.eventLoop.submit {
                try SiteCallMedia.offer(host: self.configuration.host, clock: self.mediaClock, cname: cname)
            }.get()
            offered = media
            body = sdp.byteBuffer
        case .late:
            body = nil
        }
        if body != nil { h.add(.contentType, "application/sdp") }
        let invite = SIPMessage.request(method: .invite, uri: contact, headers: h, body: body ?? ByteBuffer())
        let final = await finalResponse(to: invite, to: target, on: layer)
        guard let final, let code = final.statusCode else {
            if let offered { mediaClock.eventLoop.execute { offered.close() } }
            return 408
        }
        // The media of an answered call: the phone's answer to our offer, or our answer (in the ACK)
        // to the offer in its 200.
        let media: (media: SiteCallMedia?, ackBody: ByteBuffer?) = try await mediaClock.eventLoop.submit {
            guard (200...299).contains(code), let sdp = try? final.sessionDescription() else {
                offered?.close()
                return (nil, nil)
            }
            if let offered {
                do { try offered.receiveAnswer(sdp) } catch {
                    offered.close()
                    return (nil, nil)
                }
                return (offered, nil)
            }
            guard offer == .late,
                let (answered, answer) = try? SiteCallMedia.answer(
                    sdp, host: self.configuration.host, mode: .echo, clock: self.mediaClock, cname: cname)
            else { return (nil, nil) }
            return (answered, answer.byteBuffer)
        }.get()
        if let callMedia = media.media { state.withLockedValue { $0.media[callID] = callMedia } }
        if (200...299).contains(code) {
            let remoteTarget = (try? final.contacts.first?.address?.uri) ?? contact
            state.withLockedValue {
                $0.lastPlaced = PlacedCall(
                    from: h.first(.from) ?? "", to: final.headers.first(.to) ?? "", callID: callID,
                    remoteTarget: remoteTarget ?? contact, target: target, sequence: 1)
            }
            var ack = SIPHeaders()
            ack.add(
                .via,
                SIPVia(transport: "UDP", host: configuration.host, port: port, branch: SIPVia.makeBranch()).description)
            ack.add(.maxForwards, "70")
            ack.add(.from, h.first(.from) ?? "")
            ack.add(.to, final.headers.first(.to) ?? "")
            ack.add(.callID, h.first(.callID) ?? "")
            ack.add(.cseq, "1 ACK")
            if media.ackBody != nil { ack.add(.contentType, "application/sdp") }
            let uri = (try? final.contacts.first?.address?.uri) ?? contact
            _ = try await layer.sendStateless(
                .request(method: .ack, uri: uri ?? contact, headers: ack, body: media.ackBody ?? ByteBuffer()),
                to: target
            ).get()
        }
        return code
    }

    /// Sends a re-INVITE without an offer in the last call the site placed and answered, as a 3pcc
    /// server does to re-point media: the phone must offer in its 200 (RFC 3261 §14.2); the site answers
    /// in the ACK and its echo follows the new description. Returns the final status code.
    public func reinviteWithoutOffer() async throws -> Int {
        guard let layer = state.withLockedValue({ $0.layer }),
            let placed = state.withLockedValue({ s -> PlacedCall? in
                s.lastPlaced?.sequence += 1
                return s.lastPlaced
            })
        else { return 481 }
        func headers(_ method: String) -> SIPHeaders {
            var h = SIPHeaders()
            h.add(
                .via,
                SIPVia(transport: "UDP", host: configuration.host, port: port, branch: SIPVia.makeBranch()).description)
            h.add(.maxForwards, "70")
            h.add(.from, placed.from)
            h.add(.to, placed.to)
            h.add(.callID, placed.callID)
            h.add(.cseq, "\(placed.sequence) \(method)")
            return h
        }
        var h = headers("INVITE")
        h.add(.contact, "<sip:site@\(configuration.host):\(port)>")
        let reinvite = SIPMessage.request(method: .invite, uri: placed.remoteTarget, headers: h)
        let final = await finalResponse(to: reinvite, to: placed.target, on: layer)
        guard let final, let code = final.statusCode else { return 408 }
        guard (200...299).contains(code) else { return code }
        let answer: ByteBuffer? = try await mediaClock.eventLoop.submit {
            guard let offer = try? final.sessionDescription(),
                let media = self.state.withLockedValue({ $0.media[placed.callID] })
            else { return nil }
            return (try? media.reanswer(offer))?.byteBuffer
        }.get()
        var ack = headers("ACK")
        if answer != nil { ack.add(.contentType, "application/sdp") }
        _ = try await layer.sendStateless(
            .request(method: .ack, uri: placed.remoteTarget, headers: ack, body: answer ?? ByteBuffer()),
            to: placed.target
        ).get()
        return answer == nil ? 488 : code
    }

    /// Sends an INVITE and returns its first final response (nil: no answer, it could not be sent, or
    /// the site died meanwhile). The client transaction hands a 2xx's retransmissions to us too
    /// (RFC 6026 §7.2); they arrive while we prepare the ACK and are ignored here, so the continuation
    /// resumes exactly once.
    private func finalResponse(
        to invite: SIPMessage, to target: SIPTransportTarget, on layer: SIPTransactionLayer
    ) async -> SIPMessage? {
        let resumed = NIOLockedValueBox(false)
        let state = self.state
        return await withCheckedContinuation { (continuation: CheckedContinuation<SIPMessage?, Never>) in
            let waiter = state.withLockedValue { s -> UInt64 in
                s.nextAwaitingID += 1
                return s.nextAwaitingID
            }
            @Sendable func finish(_ message: SIPMessage?) {
                guard
                    resumed.withLockedValue({ done in
                        defer { done = true }
                        return !done
                    })
                else { return }
                _ = state.withLockedValue { $0.awaitingFinal.removeValue(forKey: waiter) }
                continuation.resume(returning: message)
            }
            let alive = state.withLockedValue { s -> Bool in
                guard s.layer === layer else { return false }
                s.awaitingFinal[waiter] = finish
                return true
            }
            guard alive else { return finish(nil) }
            layer.eventLoop.execute {
                let id = layer.sendRequest(invite, to: target) { event in
                    switch event {
                    case .provisional: break
                    case .final(let r): finish(r.message)
                    case .failed: finish(nil)
                    }
                }
                if id == nil { finish(nil) }
            }
        }
    }

    /// The fixed SDP of calls the site makes (and of answers to an INVITE without an offer): it carries
    /// no media, so it names the discard port 9, which nothing on loopback listens on — a real port
    /// could be another test's RTP socket.
    static func answerSDP(host: String) -> String {
        [
            "v=0", "o=site 1 1 IN IP4 \(host)", "s=test number", "c=IN IP4 \(host)", "t=0 0",
            "m=audio 9 RTP/AVP 0 101", "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000",
            "a=fmtp:101 0-16", "a=sendrecv", "",
        ].joined(separator: "\r\n")
    }
}
