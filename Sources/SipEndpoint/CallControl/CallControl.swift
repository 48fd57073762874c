import NIOCore

/// The calls of a phone, or of one agent's line (``Phone/agent(_:)``): the connection-aware `dial`
/// that falls back to the line's other connections, incoming calls, and the sessions' events.
public final class CallControl: Sendable {
    let core: PhoneShards
    /// The DN this call control is scoped to (an agent's handle); nil: every line of the phone.
    public let line: String?

    init(core: PhoneShards, line: String? = nil) {
        self.core = core
        self.line = line
    }

    /// Whether session `id` belongs to this handle's line.
    private func owns(session id: String) -> Bool {
        guard let line else { return true }
        return core.hub.callSnapshot.withLock { $0[id]?.user } == line
    }

    /// Dials `destination` — a user or number (`9000` → `sip:9000@<the connection's domain>`) or a full
    /// SIP URI — through connection `connectionId`, falling back to the other connections on 408, 503,
    /// 504 (`retry_codes`), no response or a transport failure, never on other final responses. Returns
    /// at once with the session; follow it with ``Session/statusChanges``.
    public func dial(connectionId: Int, destination: String) async throws(SipEndpointError) -> Session {
        let shard = core.of(connection: connectionId)
        let (id, stream) = try await shard.onLoop { () throws(SipEndpointError) in
            guard shard.isRunning else { throw SipEndpointError(.notRunning, "the phone is not running") }
            if let line = self.line, shard.user(of: connectionId) != line {
                throw SipEndpointError(.unknownConnection, "connection \(connectionId) is not on \(line)'s line")
            }
            return try shard.calls.dial(connectionId: connectionId, destination: destination)
        }
        return Session(id: id, control: self, statusChanges: stream)
    }

    /// Every session's events, from the moment of subscribing (each access is a new subscription). A
    /// subscriber that falls more than 1024 events behind reads ``SessionEvent/dropped(count:)`` where
    /// events were lost.
    public var events: AsyncStream<SessionEvent> {
        guard let line else { return core.hub.callEvents.subscribe() }
        let calls = core.hub.callSnapshot
        return core.hub.callEvents.subscribe { event in
            switch event {
            case .statusChanged(let e): e.user == line
            case .failedOver(let e): e.user == line
            case .signalingLost(let e): e.user == line
            case .dtmfReceived(let e): calls.withLock { $0[e.sessionId]?.user } == line
            case .dropped: true
            }
        }
    }

    /// Incoming calls as they start ringing. A reader more than 1024 calls behind misses the oldest: each
    /// such loss is logged as a warning (``sessions`` and ``events`` still show those calls).
    public var incomingCalls: AsyncStream<Session> {
        let line = self.line
        let ids = core.hub.incomingCalls.subscribe { event in
            guard let line, case .ringing(_, let user) = event else { return true }
            return user == line
        }
        return AsyncStream { continuation in
            let task = Task {
                for await event in ids {
                    switch event {
                    case .ringing(let id, _):
                        if let session = try? await self.session(id) { continuation.yield(session) }
                    case .dropped(let count):
                        self.core.logger.warning(
                            "\(count) incoming calls were not delivered: the incomingCalls reader fell behind")
                    }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// A snapshot of every live session.
    public var sessions: [SessionSnapshot] {
        core.hub.callSnapshot.withLock { all in all.values.filter { line == nil || $0.user == line } }
    }

    /// The live session with this id.
    public func session(_ id: String) async throws(SipEndpointError) -> Session {
        guard owns(session: id) else {
            throw SipEndpointError(.unknownSession, "no session \(id) on \(line ?? "")'s line")
        }
        let shard = core.of(session: id)
        let events = await withCheckedContinuation { continuation in
            shard.eventLoop.execute { continuation.resume(returning: shard.calls.events(of: id)) }
        }
        guard let events else { throw SipEndpointError(.unknownSession, "no session \(id)") }
        return Session(id: id, control: self, statusChanges: events)
    }

}

/// One call, outgoing or incoming. Its identity stays the same across the attempts of a dial.
public final class Session: Sendable {
    /// The session's identity: a lowercase UUID made when the dial starts or the call comes in, the same
    /// through every attempt of a failing-over dial. Every event about the session carries it, and
    /// ``CallControl/session(_:)`` takes it.
    public let id: String
    let control: CallControl
    /// This session's events from the moment the `Session` was obtained; ends when the call is over.
    /// A single consumer: get the session again (``CallControl/session(_:)``) for another stream. A
    /// consumer that falls more than 1024 events behind reads ``SessionEvent/dropped(count:)`` where
    /// events were lost.
    public let statusChanges: AsyncStream<SessionEvent>

    init(id: String, control: CallControl, statusChanges: AsyncStream<SessionEvent>) {
        self.id = id
        self.control = control
        self.statusChanges = statusChanges
    }

    /// The latest snapshot (nil once the session is over).
    public var snapshot: SessionSnapshot? { control.core.hub.callSnapshot.withLock { $0[id] } }
    /// The session's status now, from its latest snapshot; `disconnected` once the call is over.
    public var status: SessionStatus { snapshot?.status ?? .disconnected }
    /// The connection the session uses now.
    public var connectionId: Int? { snapshot?.connectionId }

    /// Answers an incoming call (other connected calls go on hold first when `hold_others` is on).
    public func answer() async throws(SipEndpointError) {
        try await onLoop { (calls) throws(SipEndpointError) in try calls.answer(self.id) }
    }

    /// Refuses an incoming call with a final response (486 Busy Here by default).
    public func reject(code: Int = 486) async throws(SipEndpointError) {
        try await onLoop { (calls) throws(SipEndpointError) in
            try calls.reject(self.id, statusCode: code)
        }
    }

    /// Ends the call: CANCEL while dialling (no further attempt starts), BYE when connected, 603 when
    /// ringing. The status turns `disconnected` at once; this returns when the hang-up is final: the
    /// BYE has its final response (or its transaction gave up), a cancelled dial's INVITE has ended
    /// (487), the 603 is sent. A BYE or a CANCEL toward a dead site is final when its transaction
    /// gives up (`sip_transaction_timeout`). A dial whose INVITE has had no response yet returns at
    /// once: RFC 3261 §9.1 lets its CANCEL go only after a provisional response, so the SDK closes
    /// that leg in the background (a late 1xx gets the CANCEL, a late 2xx an ACK and a BYE) instead of
    /// holding the caller until Timer B (32 s). Throws ``SipEndpointError/Code/unknownSession`` for a
    /// session that is over already.
    public func hangUp() async throws(SipEndpointError) {
        try await onLoop(awaiting: { (calls) throws(SipEndpointError) in try calls.hangUp(self.id) })
    }

    /// Puts the call on hold (re-INVITE with `a=sendonly`, or `inactive` when the far end holds too),
    /// and returns when that re-INVITE has its final response. Throws
    /// ``SipEndpointError/Code/requestFailed`` when the peer refused it (the call stays as it was) or the
    /// call ended first, ``SipEndpointError/Code/invalidState`` when the call is not up or a retrieve is
    /// in flight. Returns at once when this phone holds the call already.
    public func hold() async throws(SipEndpointError) {
        try await onLoop(awaiting: { (calls) throws(SipEndpointError) in try calls.hold(self.id) })
    }

    /// Takes the call off hold (re-INVITE with `a=sendrecv`), and returns when that re-INVITE has its
    /// final response; throws like ``hold()``. Returns at once when this phone does not hold the call.
    public func retrieve() async throws(SipEndpointError) {
        try await onLoop(awaiting: { (calls) throws(SipEndpointError) in try calls.retrieve(self.id) })
    }

    /// Runs `body` with the call driver of the session's shard, on its loop.
    private func onLoop<T: Sendable>(_ body: @escaping @Sendable (CallDriver) throws(SipEndpointError) -> T)
        async throws(SipEndpointError) -> T
    {
        let shard = control.core.of(session: id)
        return try await shard.onLoop { () throws(SipEndpointError) in try body(shard.calls) }
    }

    /// Runs `body` with the call driver of the session's shard, on its loop, and returns when the
    /// operation it starts has its final answer (the future `body` returns).
    private func onLoop(
        awaiting body: @escaping @Sendable (CallDriver) throws(SipEndpointError) -> EventLoopFuture<Void>
    )
        async throws(SipEndpointError)
    {
        let shard = control.core.of(session: id)
        try await shard.onLoop(awaiting: { () throws(SipEndpointError) in try body(shard.calls) })
    }

    /// Sends DTMF digits: RFC 4733 telephone-events in RTP when the call negotiated them and
    /// `dtmf_method` is rfc2833 (the default), SIP INFO with `application/dtmf-relay` otherwise.
    public func sendDTMF(_ digits: String) async throws(SipEndpointError) {
        try await onLoop { (calls) throws(SipEndpointError) in
            try calls.sendDTMF(self.id, digits: digits)
        }
    }

    /// What the call sends from now on: silence, a tone, a WAV file, an echo. A source chosen
    /// before the call connects plays from its first packet. Fails at once for a file that cannot be read.
    public func play(_ source: MediaSource) async throws(SipEndpointError) {
        try await onLoop { (calls) throws(SipEndpointError) in try calls.play(self.id, source)
        }
    }

    /// Records what the call receives to a WAV file (8 kHz mono; 16-bit PCM unless asked otherwise),
    /// replacing any recording in progress; the file is complete when the call ends or
    /// ``stopRecording()`` is called.
    public func record(to path: String, encoding: RecordingEncoding = .pcm16) async throws(SipEndpointError) {
        try await onLoop { (calls) throws(SipEndpointError) in
            try calls.record(self.id, to: path, encoding: encoding)
        }
    }

    /// Finishes the recording in progress.
    public func stopRecording() async throws(SipEndpointError) {
        try await onLoop { (calls) throws(SipEndpointError) in
            try calls.stopRecording(self.id)
        }
    }

    /// The call's media figures now; nil before it connected (no RTP yet).
    public func statistics() async throws(SipEndpointError) -> MediaStatistics? {
        try await onLoop { (calls) throws(SipEndpointError) in try calls.statistics(self.id) }
    }

    /// Blind transfer with REFER.
    public func transfer(to destination: String) async throws(SipEndpointError) {
        try await onLoop { (calls) throws(SipEndpointError) in
            try calls.transfer(self.id, to: destination)
        }
    }
}
