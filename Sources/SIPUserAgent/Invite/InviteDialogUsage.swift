import NIOCore
import SIPCore
import SIPTransaction

/// The INVITE dialog usage (RFC 5057 §2): what both sides of an INVITE session do alike once a
/// dialog exists: the requests in flight, the timers, the state reports, and (in extensions, one
/// file each) ACK and 2xx retransmission, re-INVITE with glare, BYE, INFO and REFER. ``InviteClientSession`` and ``InviteServerSession``
/// embed it and add how their side sets the dialog up.
struct InviteDialogUsage: Sendable {
    struct Outstanding: Sendable {
        var purpose: RequestPurpose
        var message: SIPMessage
        var nextHop: SIPURI
        /// Challenges answered in `message`, and how many rounds so far.
        var challenges: [RegistrationChallenge]
        var rounds: Int
    }

    /// Our 2xx to an INVITE or re-INVITE that waits for its ACK (§13.3.1.4).
    struct AwaitingAck: Sendable {
        var requestID: UInt64
        var response: SIPMessage
        var sequence: UInt32
        var interval: TimeAmount
        var isInitial: Bool
    }

    /// The ACK we sent for a 2xx, sent again when the 2xx is (§13.2.2.4).
    struct SentAck: Sendable {
        var sequence: UInt32
        var message: SIPMessage
        var nextHop: SIPURI
    }

    enum OurReinvite: Sendable {
        case inFlight(id: UInt64, offer: SessionBody?, glareRetries: Int)
        /// Got 491; the glare timer sends it again (§14.1).
        case waiting(offer: SessionBody?, glareRetries: Int)
    }

    struct TheirReinvite: Sendable {
        var requestID: UInt64
        var request: SIPMessage
    }

    let configuration: InviteSessionConfiguration
    let local: LocalParty
    /// Which challenges the connection's password answers (``InviteChallenges``).
    let realms: DigestRealmPolicy
    var random: SeededRandom
    var nextID: UInt64 = 1
    private(set) var state: InviteSessionState
    var dialog: Dialog?
    var outstanding: [UInt64: Outstanding] = [:]
    var pendingTimers: Set<InviteSessionTimer> = []
    var awaitingAck: AwaitingAck?
    var lastAcks: [SentAck] = []
    var ourReinvite: OurReinvite?
    var theirReinvite: TheirReinvite?
    /// The REFER's subscription while it lives (RFC 3515 §2.4.4).
    var transfer: TransferSubscription?
    /// The UAS hung up between its 2xx and the ACK: BYE when the ACK comes (§15).
    var byeAfterAck = false
    /// Session timers (RFC 4028): the negotiated interval and who refreshes (``InviteDialogUsage+InviteSessionTimer``).
    var interval: SessionInterval
    /// Our refresh in flight (an UPDATE, or a re-INVITE that holds the dialog's INVITE slot, §14.1).
    var refreshInFlight: (id: UInt64, method: SIPMethod)?
    /// The peer listed UPDATE in Allow: refreshes go as UPDATE (RFC 4028 §9), else as re-INVITE.
    var peerAllowsUpdate = false
    /// Our last session description sent (offer or answer): a re-INVITE refresh carries it again,
    /// unchanged, version included (RFC 3264 §8).
    var lastLocalBody: SessionBody?
    private(set) var finished = false

    init(
        configuration: InviteSessionConfiguration, local: LocalParty, realms: DigestRealmPolicy, random: SeededRandom,
        state: InviteSessionState
    ) {
        self.configuration = configuration
        self.local = local
        self.realms = realms
        self.random = random
        self.state = state
        self.interval = SessionInterval(policy: configuration.sessionTimers)
    }

    // MARK: Helpers of both sides

    mutating func newBranch() -> String { SIPIdentifiers.branch(using: &random) }

    mutating func newVia() -> SIPVia { local.via(branch: newBranch()) }

    @discardableResult
    mutating func send(
        _ purpose: RequestPurpose, _ message: SIPMessage, nextHop: SIPURI, challenges: [RegistrationChallenge] = [],
        rounds: Int = 0, into actions: inout [InviteSessionAction]
    ) -> UInt64 {
        let id = nextID
        nextID &+= 1
        outstanding[id] = Outstanding(
            purpose: purpose, message: message, nextHop: nextHop, challenges: challenges, rounds: rounds)
        actions.append(
            .sendRequest(
                OutgoingRequest(id: id, purpose: purpose, message: message, nextHop: nextHop, challenges: challenges)))
        return id
    }

    /// Builds and sends a request in the dialog (not ACK, not CANCEL).
    @discardableResult
    mutating func sendInDialog(
        _ purpose: RequestPurpose, _ method: SIPMethod, body: SessionBody? = nil,
        extraHeaders: [(SIPHeaderName, String)] = [], into actions: inout [InviteSessionAction]
    ) -> UInt64? {
        guard var d = dialog else { return nil }
        let refreshes = method == .invite || method == .refer || method == .update || method == .subscribe
        let message = d.makeRequest(
            method, via: newVia(), contact: refreshes ? local.contact : nil, body: body, extraHeaders: extraHeaders)
        dialog = d
        return send(purpose, message, nextHop: d.nextHop, into: &actions)
    }

    /// The headers a 2xx to an INVITE and a re-INVITE carry: Contact (§12.1.1), Allow, Supported.
    func addDialogHeaders(to response: inout SIPMessage, body: SessionBody?) {
        response.headers.add(.contact, SIPNameAddress(uri: local.contact).description)
        response.headers.add(.allow, configuration.allowValue)
        if let supported = configuration.supportedValue { response.headers.add(.supported, supported) }
        response.headers.add(.server, configuration.userAgent)
        if let body {
            response.headers.add(.contentType, body.contentType.description)
            response.body = body.content
        }
    }

    mutating func respond(
        to request: SIPMessage, requestID: UInt64, statusCode: Int, headers: [(SIPHeaderName, String)] = [],
        into actions: inout [InviteSessionAction]
    ) {
        var response = request.makeResponse(statusCode: statusCode)
        for (name, value) in headers { response.headers.add(name, value) }
        actions.append(.sendResponse(response, toRequest: requestID))
    }

    mutating func change(
        to new: InviteSessionState, statusCode: Int? = nil, reasonPhrase: String? = nil, reason: InviteEndReason? = nil,
        into actions: inout [InviteSessionAction]
    ) {
        guard new != state else { return }
        actions.append(
            .report(
                .stateChanged(
                    InviteSessionStateChange(
                        previous: state, state: new, statusCode: statusCode, reasonPhrase: reasonPhrase, reason: reason)
                )))
        state = new
    }

    mutating func schedule(
        _ timer: InviteSessionTimer, at deadline: NIODeadline, into actions: inout [InviteSessionAction]
    ) {
        pendingTimers.insert(timer)
        actions.append(.schedule(timer, at: deadline))
    }

    mutating func cancel(_ timer: InviteSessionTimer, into actions: inout [InviteSessionAction]) {
        if pendingTimers.remove(timer) != nil { actions.append(.cancel(timer)) }
    }

    /// Whether the timer was pending (a fire of a cancelled timer is ignored).
    mutating func consume(_ timer: InviteSessionTimer) -> Bool { pendingTimers.remove(timer) != nil }

    /// Ends the session: stops 2xx retransmission and a waiting re-INVITE, reports, and finishes
    /// when nothing is in flight.
    mutating func terminate(
        _ reason: InviteEndReason, statusCode: Int? = nil, reasonPhrase: String? = nil,
        into actions: inout [InviteSessionAction]
    ) {
        awaitingAck = nil
        byeAfterAck = false
        if case .waiting = ourReinvite { ourReinvite = nil }
        theirReinvite = nil
        cancel(.retransmit2xx, into: &actions)
        cancel(.ackTimeout, into: &actions)
        cancel(.glareRetry, into: &actions)
        cancel(.ringTimeout, into: &actions)
        cancel(.sessionRefresh, into: &actions)
        cancel(.sessionExpiry, into: &actions)
        change(to: .terminated, statusCode: statusCode, reasonPhrase: reasonPhrase, reason: reason, into: &actions)
        finishIfDone(into: &actions)
    }

    /// After termination, once every request of ours has its answer: cancel what is left and
    /// tell the driver to forget the session.
    mutating func finishIfDone(into actions: inout [InviteSessionAction]) {
        guard state == .terminated, outstanding.isEmpty, !finished else { return }
        for timer in InviteSessionTimer.allCases { cancel(timer, into: &actions) }
        finished = true
        actions.append(.terminated)
    }

    /// BYE now and end with `reason` (§15.1.1: the session is over as soon as the BYE is passed
    /// to its transaction; the dialog lives until the BYE's answer).
    mutating func byeAndTerminate(
        _ reason: InviteEndReason, statusCode: Int? = nil, reasonPhrase: String? = nil,
        into actions: inout [InviteSessionAction]
    ) {
        sendInDialog(.bye, .bye, into: &actions)
        terminate(reason, statusCode: statusCode, reasonPhrase: reasonPhrase, into: &actions)
    }

    /// Hang-up of a dialog that is answered or confirmed. The UAS waits for the ACK of its 2xx
    /// before the BYE (§15: "MUST NOT send a BYE on a confirmed dialog until it has received an
    /// ACK for its 2xx response or until the server transaction times out").
    mutating func hangUpEstablished(into actions: inout [InviteSessionAction]) {
        switch state {
        case .answered:
            byeAfterAck = true
        case .confirmed:
            byeAndTerminate(.localHangUp, into: &actions)
        case .calling, .incoming, .early, .terminated:
            break
        }
    }
}
