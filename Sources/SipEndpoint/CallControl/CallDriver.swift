import Foundation
import Logging
import NIOCore
import SIPCore
import SIPMedia
import SIPTransaction
import SIPTransport
import SIPUserAgent
import Synchronization

/// The calls of a phone, confined to its event loop: the driver of each call's
/// ``CallStateMachine``. It feeds the machine what the INVITE session machines, the media and the
/// application report, and performs the actions the machine returns (INVITE attempts, answers,
/// re-INVITEs, media, events). The rules are the machine's; the driver holds none, and no reference
/// to its phone: what it needs comes in a ``CallDriverEnvironment``.
final class CallDriver: @unchecked Sendable {
    // @unchecked: mutable state is touched only on `eventLoop`; `snapshot` has its own lock.

    typealias Direction = CallStateMachine.Direction

    /// What ``CallControl/incomingCalls`` is made of: a call that started ringing, or how many such
    /// calls a slow reader missed.
    enum IncomingCallEvent: Sendable { case ringing(String, user: String), dropped(count: Int) }

    /// A call's state, one object per call: the table holds the reference, so reading or changing a
    /// call never copies its dozens of counted fields (as a struct in the table, every `calls[id]` read
    /// did, a few percent of a call's CPU). Confined to the driver's loop like the rest of the driver.
    final class Call {
        let id: String
        /// The agent's DN: every rule of the call (failover, hold of the others, ringing) stays in this line.
        let user: String
        /// The call's rules and status.
        var machine: CallStateMachine
        var remote: String
        var destination: String
        var engineSession: InviteDriver.SessionID? {
            didSet { if let engineSession { latestSession = engineSession } }
        }
        /// The latest INVITE session of the call, kept after it ends: until it has finished (its BYE
        /// answered) its peer may still send to the call's media ports.
        var latestSession: InviteDriver.SessionID?
        /// The server target of the dial's attempt in flight: down for dials if the attempt fails.
        var attemptTarget: SIPTransportTarget?
        var media: OfferAnswerSession
        var rtp: MediaPorts?
        /// The answer to an incoming INVITE's offer, made when it arrived (488 at once if there is none).
        var pendingAnswer: SessionDescription?
        /// The RTP session once the call connected, and what the application plugged in
        /// (kept here too, so a source chosen before the answer plays from the first packet).
        var rtpSession: RTPMediaSession?
        var mediaSource: MediaSource = .silence
        var recorder: WAVRecorder?
        /// What swift-metrics has been told of this call so far.
        var publishedStatistics: MediaStatistics?
        /// The session interval the dialog runs (RFC 4028), seconds; nil: no session timer. And how
        /// many refreshes succeeded.
        var sessionInterval: Int?
        var sessionRefreshes = 0
        /// The SIP Call-ID of the dialog now carrying the call (the SRTP key log names it).
        var sipCallID: String?
        /// SRTP keys already written to the key log.
        var loggedKeys: Set<SRTPMasterKey> = []
        let events = EventBroadcaster<SessionEvent>(dropped: { .dropped(count: $0) })
        /// For an incoming call: a stream subscribed when it started ringing, for the first `Session`
        /// handed to the application, so it misses nothing.
        var firstStream: AsyncStream<SessionEvent>?
        /// The callers of ``Session/hold()`` and ``Session/retrieve()`` waiting for the re-INVITE in flight.
        var reinviteWaiters: [EventLoopPromise<Void>] = []

        init(
            id: String, user: String, machine: CallStateMachine, remote: String, destination: String,
            media: OfferAnswerSession, rtp: MediaPorts?
        ) {
            self.id = id
            self.user = user
            self.machine = machine
            self.remote = remote
            self.destination = destination
            self.media = media
            self.rtp = rtp
        }

        var direction: Direction { machine.direction }
        var status: SessionStatus { machine.status }
        var reason: SessionReason { machine.reason }
        var connectionId: Int { machine.connectionId }
        var heldLocally: Bool { machine.heldLocally }
    }

    let environment: CallDriverEnvironment
    let engine: InviteDriver
    let logger: Logger
    /// Every session's events, incoming calls and the sessions' snapshots: the phone's, shared by the
    /// call drivers of all its shards.
    let events: EventBroadcaster<SessionEvent>
    let incomingCalls: EventBroadcaster<IncomingCallEvent>
    let snapshot: Locked<[String: SessionSnapshot]>

    var calls: [String: Call] = [:]
    /// Incoming calls ringing now, per line (DN): bounded by `max_ringing_calls`.
    var ringing: [String: Int] = [:]
    var byEngineSession: [InviteDriver.SessionID: String] = [:]
    /// The callers of ``Session/hangUp()`` waiting for the INVITE session to be over (its BYE or
    /// CANCEL answered, or given up).
    var finalWaiters: [InviteDriver.SessionID: [EventLoopPromise<Void>]] = [:]
    var eventLoop: any EventLoop { environment.eventLoop }
    var random = BufferedSystemRandom()
    /// Publishes live calls' media counters while any call carries media.
    var metricsTask: RepeatedTask?
    /// How many calls have an RTP session open: the metrics task runs while there is one. A count,
    /// because the question is asked at every call's end and a scan of the calls costs a copy of each.
    var callsWithMedia = 0
    /// One customer call delivered by both sites (`duplicate_call_header`): which session carries which value.
    var duplicates = DuplicateCallTable()

    /// Completes every operation still waiting for an answer once the phone has stopped (its
    /// transactions are gone, so no answer will come): a hang-up is over, a hold or retrieve failed.
    func releaseWaiters() {
        let hangUps = finalWaiters.values.flatMap { $0 }
        finalWaiters = [:]
        for promise in hangUps { promise.succeed() }
        for id in Array(calls.keys) {
            let waiters = calls[id]?.reinviteWaiters ?? []
            calls[id]?.reinviteWaiters = []
            for promise in waiters { promise.fail(SipEndpointError(.requestFailed, "the phone stopped")) }
        }
    }

    deinit {
        // A driver dropped without a shutdown must not leave its callers waiting for ever.
        for promise in finalWaiters.values.flatMap({ $0 }) { promise.succeed() }
        for call in calls.values {
            for promise in call.reinviteWaiters { promise.fail(SipEndpointError(.requestFailed, "the phone stopped")) }
        }
    }

    /// - Parameters: events, incomingCalls, snapshot: where the driver publishes (the phone's, shared
    ///   by its shards); nil: its own.
    init(
        environment: CallDriverEnvironment, transactions: SIPTransactionLayer, logger: Logger,
        events: EventBroadcaster<SessionEvent>? = nil, incomingCalls: EventBroadcaster<IncomingCallEvent>? = nil,
        snapshot: Locked<[String: SessionSnapshot]>? = nil
    ) {
        self.environment = environment
        self.events = events ?? EventBroadcaster(dropped: { .dropped(count: $0) })
        self.incomingCalls = incomingCalls ?? EventBroadcaster(dropped: { .dropped(count: $0) })
        self.snapshot = snapshot ?? Locked([:])
        self.logger = logger
        let configuration = environment.configuration
        let ringSeconds = configuration.session.ringTimeoutSeconds
        self.engine = InviteDriver(
            transactions: transactions,
            configuration: InviteSessionConfiguration(
                ringTimeout: ringSeconds > 0 ? .seconds(Int64(ringSeconds)) : nil,
                sessionTimers: Self.sessionTimers(configuration.session)),
            logger: logger)
        engine.onEvent = { [weak self] id, event in self?.sessionEvent(id, event) }
        engine.onFinished = { [weak self] id in self?.sessionFinished(id) }
        engine.inviteGiveUp =
            configuration.failover.inviteTimeoutMilliseconds.map { .fixed(.milliseconds(Int64(max(1, $0)))) }
            ?? .learned
        transactions.onStrayResponse = { [weak self] response in self?.engine.stray(response) }
    }

    /// A stream of the session's events: the one kept from its start the first time, new ones after.
    func events(of id: String) -> AsyncStream<SessionEvent>? {
        if let first = calls[id]?.firstStream {
            calls[id]?.firstStream = nil
            return first
        }
        return calls[id]?.events.subscribe()
    }

    // MARK: Incoming calls

    /// A new INVITE for `connectionId` (inbound routing chose it): a session ringing on that
    /// connection (or answered at once with `auto_answer`), unless its line already rings
    /// `max_ringing_calls` times (486). Returns false when it was not taken (the phone answers it).
    func incoming(_ request: IncomingRequest, connectionId: Int) -> Bool {
        guard let local = environment.localParty(for: connectionId), let user = environment.user(of: connectionId)
        else {
            return false
        }
        let target =
            environment.currentTarget(for: connectionId)
            ?? SIPTransportTarget(transport: request.received.transport, address: request.received.source)
        guard
            let session = engine.accept(
                request, local: local, target: target, credentials: environment.credentials(for: connectionId),
                realms: environment.realmPolicy(for: connectionId))
        else { return true }
        guard
            case .admitted(let duplicateValue) = admitCopy(
                request, session: session, user: user, connectionId: connectionId)
        else { return true }
        if ringing[user, default: 0] >= max(1, environment.configuration.session.maxRingingCalls) {
            engine.reject(session, statusCode: 486)
            return true
        }
        let from = (try? request.message.from).map { $0.displayName.map { "\($0) " } ?? "" + "\($0.uri)" } ?? "unknown"
        guard
            let call = try? makeCall(
                CallStateMachine(incoming: connectionId, now: eventLoop.now), connectionId: connectionId,
                remote: from)
        else {
            engine.reject(session, statusCode: 500)
            return true
        }
        call.engineSession = session
        call.sipCallID = try? request.message.callID
        // RFC 3264 §6: answer the offer now; an INVITE we cannot answer is refused with 488 at once.
        if let body = SessionBody(message: request.message), body.contentType.matches(.sdp),
            let offer = try? SessionDescription(parsing: body.content)
        {
            do {
                call.pendingAnswer = try call.media.receiveOffer(offer).answer
            } catch {
                engine.reject(session, statusCode: error.sipStatusCode ?? 488)
                call.rtp?.release()
                return true
            }
        }
        call.firstStream = call.events.subscribe()
        calls[call.id] = call
        if let duplicateValue { remember(call.id, duplicateValue: duplicateValue) }
        ringing[user, default: 0] += 1
        byEngineSession[session] = call.id
        feed(call.id, .ring(from: from, hasOffer: call.pendingAnswer != nil))
        engine.ring(session)
        incomingCalls.yield(.ringing(call.id, user: call.user))
        if environment.configuration.session.autoAnswer { try? answer(call.id) }
        return true
    }

    func route(_ request: IncomingRequest) -> Bool { engine.route(request) }
}

/// What ``CallControl/sessions`` returns for one session.
public struct SessionSnapshot: Sendable, Hashable {
    /// Which side started the call.
    public enum Direction: String, Sendable, Hashable {
        /// Dialled by this phone (``CallControl/dial(connectionId:destination:)``).
        case outgoing
        /// An INVITE that came in through one of the connections (``CallControl/incomingCalls``).
        case incoming
    }
    /// The session's ``Session/id``.
    public var id: String
    /// Which side started the call.
    public var direction: Direction
    /// The connection the session uses now; it changes when a dial fails over (``SessionFailedOver``).
    public var connectionId: Int
    /// The agent's DN: the line the session belongs to.
    public var user: String
    /// The status as of the session's latest ``SessionStatusChanged``.
    public var status: SessionStatus
    /// Why the session has its status: the reason of its latest ``SessionStatusChanged``.
    public var reason: SessionReason
    /// The number or URI dialled, or the caller.
    public var remote: String
    /// Whether this phone holds the call: true from ``Session/hold()`` (as the hold re-INVITE goes out)
    /// until ``Session/retrieve()``, and false again if the peer refuses the hold. A hold by the far end
    /// leaves it false (``status`` is `held` either way).
    public var isHeldLocally: Bool
    /// The session interval the call's dialog runs (RFC 4028 session timers); nil: none (the peer
    /// did not take timers up, §7.2, or the call is not answered yet).
    public var sessionInterval: Duration?
    /// How many session refreshes (ours or the peer's) succeeded.
    public var sessionRefreshes: Int
}
