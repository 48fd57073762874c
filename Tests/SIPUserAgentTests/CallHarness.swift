import NIOCore
import SIPCore
import SIPTransaction

@testable import SIPUserAgent

enum Side: Hashable, CustomStringConvertible {
    case caller, callee
    var other: Side { self == .caller ? .callee : .caller }
    var description: String { self == .caller ? "caller" : "callee" }
}

/// Two session machines wired together without I/O: every message is serialized to bytes and
/// parsed again on the other side, the clock moves by hand, and the harness plays the bits of
/// the transaction layer the machines rely on (request ids for server transactions, a 100
/// Trying for the INVITE, CANCEL matched to its INVITE). Network actions go through one FIFO
/// queue, so two requests sent "at once" cross each other the way they would on a wire.
struct CallHarness {
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
    var now: NIODeadline
    var caller: InviteClientSession
    var callee: InviteServerSession?
    let calleeParty: LocalParty
    let configuration: InviteSessionConfiguration
    /// The callee's policy (the caller's, unless given).
    let calleeConfiguration: InviteSessionConfiguration

    private(set) var timers: [Side: [InviteSessionTimer: NIODeadline]] = [.caller: [:], .callee: [:]]
    private(set) var wire: [(from: Side, message: SIPMessage)] = []
    private(set) var events: [Side: [InviteSessionEvent]] = [.caller: [], .callee: []]
    private(set) var finished: Set<Side> = []

    /// Server transaction id on the receiving side → (sending side, its request id).
    private var serverTransactions: [UInt64: (origin: Side, requestID: UInt64)] = [:]
    private var nextServerID: UInt64 = 1000
    private var queue: [(Side, InviteSessionAction)] = []
    private var draining = false

    /// Hold network actions until ``flush()``.
    var paused = false
    /// ACKs to lose on the way, and those lost.
    var acksToDrop = 0
    private(set) var droppedAcks: [SIPMessage] = []
    /// The callee's side answers REFER 202 itself (the session machines only send REFER).
    var answersRefer = false
    private(set) var referReceived: SIPMessage?
    private var notifyDialog: Dialog?
    /// The harness answers an INVITE with 100 Trying at once, as the server transaction does.
    var sendsTrying = true
    /// Record-Route values the "proxies" on the path add to the INVITE (top first).
    var recordRoute: [String] = []
    /// Rewrites a message in flight (after serialization, before it is parsed on the other side).
    var rewrite: ((Side, SIPMessage) -> SIPMessage)?
    /// An authenticating proxy in front of the callee: 407 to any INVITE from the caller without
    /// Proxy-Authorization; checks the credentials it gets.
    var proxyPassword: String?
    private(set) var proxyVerified: [Bool] = []

    var authenticator = DigestAuthenticator()
    let credentials = DigestCredentials(user: "7001", password: "secret")
    var digestRandom = SequenceRandom([3, 5, 7])

    /// The caller's connection: domain site-a.example.net, and the harness's proxy realm listed in
    /// `auth_realm` (it is not the domain's).
    static let callerRealms = DigestRealmPolicy(
        domain: "site-a.example.net", user: "7001", hasPassword: true, configuredRealms: ["proxy.example.net"])

    init(
        configuration: InviteSessionConfiguration = InviteSessionConfiguration(), seed: UInt64 = 42,
        realms: DigestRealmPolicy = CallHarness.callerRealms, calleeConfiguration: InviteSessionConfiguration? = nil
    ) throws {
        now = start
        self.configuration = configuration
        self.calleeConfiguration = calleeConfiguration ?? configuration
        let callerParty = LocalParty(
            addressOfRecord: try SIPURI("sip:7001@site-a.example.net"), displayName: "Agent",
            contact: try SIPURI("sip:7001@127.0.0.1:5070"), transport: .udp)
        calleeParty = LocalParty(
            addressOfRecord: try SIPURI("sip:9000@site-a.example.net"), contact: try SIPURI("sip:9000@127.0.0.2:5080"),
            transport: .udp)
        caller = InviteClientSession(
            local: callerParty, remote: SIPNameAddress(uri: try SIPURI("sip:9000@site-a.example.net")),
            callID: "call-1@127.0.0.1", localTag: "caller-tag", realms: realms, configuration: configuration,
            random: SeededRandom(seed: seed))
    }

    var seconds: Double { Double((now - start).nanoseconds) / 1e9 }

    func deadline(_ side: Side, _ timer: InviteSessionTimer) -> Double? {
        timers[side]?[timer].map { Double(($0 - start).nanoseconds) / 1e9 }
    }

    func state(_ side: Side) -> InviteSessionState? { side == .caller ? caller.state : callee?.state }

    /// The state changes one side reported, in order.
    func states(_ side: Side) -> [InviteSessionState] {
        events[side, default: []].compactMap {
            if case .stateChanged(let c) = $0 { return c.state } else { return nil }
        }
    }

    func lastChange(_ side: Side) -> InviteSessionStateChange? {
        events[side, default: []].reversed().lazy.compactMap { e -> InviteSessionStateChange? in
            if case .stateChanged(let c) = e { return c } else { return nil }
        }.first
    }

    /// The messages one side put on the wire, as the other side parsed them.
    func sent(by side: Side) -> [SIPMessage] { wire.filter { $0.from == side }.map(\.message) }

    func requests(_ method: SIPMethod, from side: Side) -> [SIPMessage] {
        sent(by: side).filter { $0.method == method }
    }

    func responses(_ code: Int, from side: Side) -> [SIPMessage] { sent(by: side).filter { $0.statusCode == code } }

    // MARK: Driving the machines

    mutating func act(_ side: Side, _ body: (inout any InviteSession, NIODeadline) -> [InviteSessionAction]) {
        var session: any InviteSession
        switch side {
        case .caller: session = caller
        case .callee:
            guard let callee else { return }
            session = callee
        }
        let actions = body(&session, now)
        if side == .caller, let s = session as? InviteClientSession { caller = s }
        if side == .callee, let s = session as? InviteServerSession { callee = s }
        run(side, actions)
    }

    mutating func actCaller(_ body: (inout InviteClientSession, NIODeadline) -> [InviteSessionAction]) {
        let actions = body(&caller, now)
        run(.caller, actions)
    }

    mutating func actCallee(_ body: (inout InviteServerSession, NIODeadline) -> [InviteSessionAction]) {
        guard var s = callee else { return }
        let actions = body(&s, now)
        callee = s
        run(.callee, actions)
    }

    mutating func dial(offer: SessionBody? = SessionBody(contentType: .sdp, text: "v=0\r\n")) {
        actCaller { $0.start(offer: offer, now: $1) }
    }

    /// Dial, ring, answer: a confirmed call.
    mutating func establish() {
        dial()
        actCallee { $0.ring(now: $1) }
        actCallee { $0.answer(body: SessionBody(contentType: .sdp, text: "v=0\r\na=answer\r\n"), now: $1) }
    }

    mutating func advance(seconds s: Double) { now = now + .nanoseconds(Int64(s * 1e9)) }

    /// Moves the clock to the timer's deadline and fires it.
    mutating func fire(_ side: Side, _ timer: InviteSessionTimer) {
        guard let at = timers[side]?[timer] else { return }
        timers[side]?[timer] = nil
        if at > now { now = at }
        act(side) { $0.timerFired(timer, now: $1) }
    }

    /// The id of the last re-INVITE a side was asked to answer.
    func pendingReinvite(_ side: Side) -> UInt64? {
        events[side, default: []].reversed().lazy.compactMap { e -> UInt64? in
            if case .reinviteReceived(let id, _) = e { return id } else { return nil }
        }.first
    }

    /// The transferee (played by the harness on the callee's dialog) sends a NOTIFY of the refer
    /// event package with a sipfrag body.
    mutating func calleeNotifies(sipfrag: String, subscriptionState: String) {
        guard var d = notifyDialog ?? callee?.dialog else { return }
        let body = SessionBody(contentType: .sipfrag, text: sipfrag + "\r\n")
        let notify = d.makeRequest(
            .notify, via: calleeParty.via(branch: "z9hG4bKnotify\(d.localSequence ?? 0)"), contact: calleeParty.contact,
            body: body, extraHeaders: [(.event, "refer"), (.subscriptionState, subscriptionState)])
        notifyDialog = d
        guard let onWire = transmit(notify, from: .callee) else { return }
        let serverID = nextServerID
        nextServerID += 1
        serverTransactions[serverID] = (.callee, 0)
        act(.caller) { $0.requestReceived(onWire, requestID: serverID, now: $1) }
    }

    mutating func flush() {
        paused = false
        drain()
    }

    // MARK: The wire

    mutating func run(_ side: Side, _ actions: [InviteSessionAction]) {
        for action in actions {
            switch action {
            case .schedule(let t, let at): timers[side]?[t] = at
            case .cancel(let t): timers[side]?[t] = nil
            case .report(let e): events[side]?.append(e)
            case .terminated: finished.insert(side)
            case .stopRetransmitting: break
            case .sendRequest, .sendAck, .sendResponse: queue.append((side, action))
            }
        }
        drain()
    }

    private mutating func drain() {
        guard !paused, !draining else { return }
        draining = true
        var steps = 0
        while !queue.isEmpty, steps < 1000 {
            steps += 1
            let (side, action) = queue.removeFirst()
            deliver(from: side, action)
        }
        draining = false
    }

    private mutating func transmit(_ message: SIPMessage, from side: Side) -> SIPMessage? {
        guard let parsed = try? SIPMessage(parsing: message.text) else { return nil }
        let onWire = rewrite?(side, parsed) ?? parsed
        wire.append((side, onWire))
        return onWire
    }

    private mutating func deliver(from side: Side, _ action: InviteSessionAction) {
        let target = side.other
        switch action {
        case .sendRequest(let request):
            guard
                var message = try? request.authorized(
                    with: &authenticator, credentials: credentials, using: &digestRandom)
            else { return }
            if message.method == .invite, side == .caller, callee == nil {
                for rr in recordRoute.reversed() { message.headers.prepend(.recordRoute, rr) }
            }
            guard let onWire = transmit(message, from: side) else { return }
            if let password = proxyPassword, side == .caller, onWire.method == .invite, callee == nil {
                guard let creds = (try? onWire.proxyAuthorization)?.first else {
                    var challenge = SIPAuthentication(scheme: "Digest")
                    challenge.set("realm", "proxy.example.net", quoted: true)
                    challenge.set("nonce", "n-1", quoted: true)
                    challenge.set("qop", "auth", quoted: true)
                    var response = onWire.makeResponse(statusCode: 407, toTag: "proxy")
                    response.headers.add(.proxyAuthenticate, challenge.description)
                    respond(response, to: side, requestID: request.id)
                    return
                }
                let verified = DigestVerifier.verify(creds, password: password, method: .invite)
                proxyVerified.append(verified)
                if !verified {
                    var challenge = SIPAuthentication(scheme: "Digest")
                    challenge.set("realm", "proxy.example.net", quoted: true)
                    challenge.set("nonce", "n-2", quoted: true)
                    challenge.set("qop", "auth", quoted: true)
                    var response = onWire.makeResponse(statusCode: 407, toTag: "proxy")
                    response.headers.add(.proxyAuthenticate, challenge.description)
                    respond(response, to: side, requestID: request.id)
                    return
                }
            }
            let serverID = nextServerID
            nextServerID += 1
            serverTransactions[serverID] = (side, request.id)
            if onWire.method == .refer, target == .callee, answersRefer {
                referReceived = onWire
                respond(onWire.makeResponse(statusCode: 202), to: side, requestID: request.id)
                return
            }
            if onWire.method == .cancel {
                actCallee { $0.cancelReceived(onWire, requestID: serverID, now: $1) }
            } else if onWire.method == .invite, target == .callee, callee == nil {
                if sendsTrying { respond(onWire.makeResponse(statusCode: 100), to: side, requestID: request.id) }
                callee = try? InviteServerSession(
                    invite: onWire, requestID: serverID, local: calleeParty, localTag: "callee-tag",
                    realms: DigestRealmPolicy(domain: "site-a.example.net", user: "9000", hasPassword: true),
                    configuration: calleeConfiguration, random: SeededRandom(seed: 7))
                if let tooSmall = callee?.sessionIntervalTooSmallResponse {
                    // The engine answers 422 in place of ringing (RFC 4028 §9); no session is kept.
                    callee = nil
                    if let onWire = transmit(tooSmall, from: .callee) {
                        act(side) { $0.responseReceived(onWire, requestID: request.id, now: $1) }
                    }
                }
            } else {
                act(target) { $0.requestReceived(onWire, requestID: serverID, now: $1) }
            }
        case .sendAck(let ack, _):
            if acksToDrop > 0 {
                acksToDrop -= 1
                droppedAcks.append(ack)
                return
            }
            guard let onWire = transmit(ack, from: side) else { return }
            let id = nextServerID
            nextServerID += 1
            act(target) { $0.requestReceived(onWire, requestID: id, now: $1) }
        case .sendResponse(let response, let serverID):
            guard let origin = serverTransactions[serverID], let onWire = transmit(response, from: side) else { return }
            act(origin.origin) { $0.responseReceived(onWire, requestID: origin.requestID, now: $1) }
        case .schedule, .cancel, .report, .terminated, .stopRetransmitting:
            break
        }
    }

    /// A response made up by the harness (100 Trying, the proxy's 407), straight to the sender.
    private mutating func respond(_ response: SIPMessage, to side: Side, requestID: UInt64) {
        guard let parsed = try? SIPMessage(parsing: response.text) else { return }
        act(side) { $0.responseReceived(parsed, requestID: requestID, now: $1) }
    }
}
