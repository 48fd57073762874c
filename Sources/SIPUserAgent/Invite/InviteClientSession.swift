import NIOCore
import SIPCore
import SIPTransaction

/// The caller's side of an INVITE session (RFC 3261 §13.2, §9.1, §15) as a value: events in,
/// actions out, time and randomness as inputs. The driver sends what ``InviteSessionAction`` asks for
/// through the transaction layer and feeds back responses, failures and timer fires.
///
/// ```
///              start: INVITE
///   +---------+  1xx with To tag   +-------+
///   | calling | -----------------> | early |
///   +---------+                    +-------+
///     |  |  2xx: ACK (again for each           |  2xx: ACK
///     |  |  retransmitted 2xx)                 v
///     |  +------------------------------> +-----------+  re-INVITE (either side, 491 glare),
///     |                                   | confirmed |  INFO, REFER/NOTIFY
///     | 3xx-6xx, 487 after CANCEL,        +-----------+
///     | local 408/503                        | BYE sent or received, 481/408 in the dialog
///     v                                      v
///   +------------------------------------------------+
///   |                   terminated                    | -- last answer in: .terminated
///   +------------------------------------------------+
/// ```
///
/// Rules, with where they come from:
/// - CANCEL only once a provisional response arrived (§9.1: "a CANCEL ... SHOULD NOT be sent"
///   before one); a cancel asked for earlier is sent when the first 1xx comes. The 487 (or
///   any final) then ends the session as cancelled; 64·T1 without one ends it too (§9.1), and so
///   does a CANCEL that gets no answer at all (its transaction gave up: the far end is gone).
/// - A 2xx after our CANCEL is acknowledged and ended with BYE (§15).
/// - 401/407 to the INVITE is answered once (§22.2; ``InviteChallenges``): same Call-ID and
///   From tag, next CSeq, new branch, To without tag. A challenge for a realm that is not the
///   connection's (``DigestRealmPolicy``) is not answered: the call ends with that 401/407, the
///   realm named in the reason phrase.
/// - Forking (§13.2.2.4): the first 2xx wins; a 2xx from another dialog is acknowledged and
///   ended with BYE. Early dialogs from several forks are kept until the 2xx.
/// - A local 408/503 from the INVITE's transaction ends the session with that code.
/// - Abandoned attempts: the dial's own no-response timer (``start(offer:now:noResponseTimeout:)``)
///   or ``abandon(now:)`` gives the INVITE up before any response. The session reports terminated
///   with a local 408 at once (the dial moves on), but stays alive until the leg is closed: the
///   INVITE stops being retransmitted while its transaction listens until Timer B; a late 1xx is
///   CANCELled (§9.1), a late 2xx is ACKed and ended with BYE (§13.2.2.4: never a second answered
///   leg), a late 3xx–6xx is ACKed by the transaction (§17.1.1.3) and ends it. When Timer B ends
///   the transaction first (it is capped by the transaction timeout), a 2xx arriving after it
///   (a stray) is still ACKed and ended until 64·T1 after the INVITE. No late event reports
///   anything more; `.terminated` comes when nothing of the leg is outstanding.
///
/// Choices where the RFC leaves room:
/// - The INVITE carries the offer, or no body; a 2xx with an offer to a body-less INVITE is
///   acknowledged without an answer (this SDK always offers first).
/// - ``start(offer:now:)`` reports nothing: the TU knows it dialled; the first report is the
///   move to early, confirmed or terminated.
package struct InviteClientSession: InviteSession, InviteSessionOperations {
    private enum CancelState: Sendable {
        case none
        /// Asked for before any provisional response.
        case pending
        case sent
    }

    /// The dialog-level behaviour both sides share (`InviteDialogUsage+…`); the in-dialog operations of
    /// ``InviteSessionOperations`` forward to it.
    var core: InviteDialogUsage
    /// To of the INVITE.
    package let remote: SIPNameAddress
    package let requestURI: SIPURI
    package let callID: String
    package let localTag: String
    /// Pre-loaded Route (an outbound proxy, §8.1.2), loose routers.
    package let route: [SIPURI]
    package let sentOverTLS: Bool

    private var invite: SIPMessage?
    private var inviteSequence: UInt32
    private var offer: SessionBody?
    private var earlyDialogs: [DialogID: Dialog] = [:]
    private var provisionalSeen = false
    private var finalReceived = false
    private var cancelState = CancelState.none
    /// The dial's give-up time for a response to the INVITE (nil: only the transaction's Timer B).
    private var noResponseTimeout: TimeAmount?
    /// Given up before any response; late answers only close the leg.
    package private(set) var abandoned = false
    /// When the current INVITE was sent: an abandoned one is listened for until 64·T1 after it.
    private var inviteSentAt: NIODeadline?
    private var forkAcks: [DialogID: (ack: SIPMessage, nextHop: SIPURI)] = [:]
    /// The challenges the current INVITE answered, and how many rounds so far.
    private var lastInviteChallenges: (list: [RegistrationChallenge], rounds: Int) = ([], 0)

    package init(
        local: LocalParty, remote: SIPNameAddress, requestURI: SIPURI? = nil, callID: String, localTag: String,
        route: [SIPURI] = [], sentOverTLS: Bool = false, firstSequenceNumber: UInt32 = 1, realms: DigestRealmPolicy,
        configuration: InviteSessionConfiguration = InviteSessionConfiguration(), random: SeededRandom
    ) {
        core = InviteDialogUsage(
            configuration: configuration, local: local, realms: realms, random: random, state: .calling)
        var to = remote
        to.parameters.remove("tag")
        self.remote = to
        self.requestURI = requestURI ?? remote.uri
        self.callID = callID
        self.localTag = localTag
        self.route = route
        self.sentOverTLS = sentOverTLS
        inviteSequence = min(max(1, firstSequenceNumber), 0x7FFF_FFFF)
    }

    package var state: InviteSessionState { core.state }
    package var dialog: Dialog? { core.dialog }
    /// The INVITE as last sent (after a challenge, the second one).
    package var currentInvite: SIPMessage? { invite }

    // MARK: Events of the caller

    /// Sends the INVITE. `noResponseTimeout`: the dial's give-up time (`invite_timeout`) for any
    /// response; when it runs out the attempt is abandoned (``abandon(now:)``). It is separate from
    /// the transaction's Timer B, which keeps the INVITE's transaction listening for late answers.
    package mutating func start(offer: SessionBody?, now: NIODeadline, noResponseTimeout: TimeAmount? = nil)
        -> [InviteSessionAction]
    {
        var actions: [InviteSessionAction] = []
        guard invite == nil else { return actions }
        self.offer = offer
        self.noResponseTimeout = noResponseTimeout
        let message = makeInvite()
        invite = message
        inviteSentAt = now
        core.send(.invite, message, nextHop: initialNextHop, into: &actions)
        if let noResponseTimeout { core.schedule(.noResponse, at: now + noResponseTimeout, into: &actions) }
        return actions
    }

    /// The dial gave up on this attempt before any response (RFC 3261 §9.1: the request is no
    /// longer wanted): stop retransmitting the INVITE and report terminated with a local 408 (or
    /// cancelled, when a hang-up was waiting for a 1xx). The leg itself is closed by what comes
    /// later: a 1xx gets a CANCEL, a 2xx an ACK and a BYE, a 3xx–6xx or Timer B ends it. Does
    /// nothing once a response arrived (then ``hangUp(now:)`` is the way to end the attempt).
    package mutating func abandon(now: NIODeadline) -> [InviteSessionAction] {
        var actions: [InviteSessionAction] = []
        guard core.state == .calling, !provisionalSeen, !finalReceived, !abandoned,
            let inviteID = core.outstanding.first(where: { $0.value.purpose == .invite })?.key
        else { return actions }
        abandoned = true
        core.cancel(.noResponse, into: &actions)
        actions.append(.stopRetransmitting(requestID: inviteID))
        let failure = TransactionFailure.timeout
        let reason: InviteEndReason = cancelState == .none ? .localFailure(failure) : .cancelled
        core.terminate(reason, statusCode: failure.statusCode, reasonPhrase: failure.reasonPhrase, into: &actions)
        return actions
    }

    /// A hang-up came before any response: its CANCEL waits for the first 1xx (§9.1).
    package var hangUpAwaitsAProvisionalResponse: Bool { cancelState == .pending }

    /// Cancel before the answer; BYE after it.
    package mutating func hangUp(now: NIODeadline) -> [InviteSessionAction] {
        var actions: [InviteSessionAction] = []
        switch core.state {
        case .calling, .early:
            guard !finalReceived, cancelState == .none else { break }
            if provisionalSeen {
                sendCancel(now: now, into: &actions)
            } else {
                cancelState = .pending
            }
        case .confirmed, .answered:
            core.hangUpEstablished(into: &actions)
        case .incoming, .terminated:
            break
        }
        return actions
    }

    package mutating func responseReceived(_ response: SIPMessage, requestID: UInt64, now: NIODeadline)
        -> [InviteSessionAction]
    {
        var actions: [InviteSessionAction] = []
        guard let code = response.statusCode else { return actions }
        switch core.outstanding[requestID]?.purpose {
        case .invite?:
            inviteResponse(response, requestID: requestID, statusCode: code, now: now, into: &actions)
        case .cancel?:
            // The INVITE's final response decides; the CANCEL's own answer changes nothing.
            if code >= 200 { core.outstanding[requestID] = nil }
            core.finishIfDone(into: &actions)
        case nil where isInitial2xx(response):
            handle2xx(response, now: now, into: &actions)
        default:
            core.responseInDialog(response, requestID: requestID, now: now, into: &actions)
        }
        return actions
    }

    package mutating func strayResponseReceived(_ response: SIPMessage, now: NIODeadline) -> [InviteSessionAction] {
        var actions: [InviteSessionAction] = []
        if isInitial2xx(response) {
            handle2xx(response, now: now, into: &actions)
        } else {
            _ = core.reacknowledge(response, into: &actions)
        }
        return actions
    }

    package mutating func requestFailed(_ failure: TransactionFailure, requestID: UInt64, now: NIODeadline)
        -> [InviteSessionAction]
    {
        var actions: [InviteSessionAction] = []
        switch core.outstanding[requestID]?.purpose {
        case .invite?:
            if failure.code == .timeout, noResponseTimeout != nil, !abandoned {
                // Timer B before the dial's give-up (both can be the same 4 s): the same give-up.
                actions = abandon(now: now)
            }
            if abandoned, failure.code == .timeout, let sent = inviteSentAt, now < sent + core.configuration.sixtyFourT1
            {
                // Timer B (capped by the transaction timeout) ended the abandoned INVITE's transaction,
                // but its 2xx may still come, as a response no transaction matches (§13.2.2.4): the
                // leg stays open for it until 64·T1 after the INVITE (the guard then closes it).
                core.schedule(.cancelGuard, at: sent + core.configuration.sixtyFourT1, into: &actions)
                return actions
            }
            core.outstanding[requestID] = nil
            finalReceived = true
            core.cancel(.cancelGuard, into: &actions)
            let reason: InviteEndReason = cancelState == .none ? .localFailure(failure) : .cancelled
            core.terminate(reason, statusCode: failure.statusCode, reasonPhrase: failure.reasonPhrase, into: &actions)
        case .cancel?:
            core.outstanding[requestID] = nil
            // The CANCEL had no answer at all (its transaction timed out, or the transport failed):
            // the far end is gone, and its 487 will not come either. The INVITE is given up now, as
            // the 64·T1 guard (§9.1) would give it up later; a hang-up waiting on it is final.
            giveUpCancelledInvite(into: &actions)
            core.finishIfDone(into: &actions)
        default:
            core.failureInDialog(failure, requestID: requestID, now: now, into: &actions)
        }
        return actions
    }

    package mutating func requestReceived(_ request: SIPMessage, requestID: UInt64, now: NIODeadline)
        -> [InviteSessionAction]
    {
        var actions: [InviteSessionAction] = []
        core.requestInDialog(request, requestID: requestID, now: now, into: &actions)
        return actions
    }

    package mutating func timerFired(_ timer: InviteSessionTimer, now: NIODeadline) -> [InviteSessionAction] {
        var actions: [InviteSessionAction] = []
        guard core.consume(timer) else { return actions }
        if timer == .noResponse {
            actions = abandon(now: now)
        } else if timer == .cancelGuard {
            // §9.1: no final response 64·T1 after the CANCEL: the INVITE is given up.
            giveUpCancelledInvite(into: &actions)
        } else {
            core.timerFiredInCore(timer, now: now, into: &actions)
        }
        return actions
    }

    // MARK: The INVITE transaction

    private mutating func inviteResponse(
        _ response: SIPMessage, requestID: UInt64, statusCode code: Int, now: NIODeadline,
        into actions: inout [InviteSessionAction]
    ) {
        let phrase = response.reasonPhrase ?? SIPStatus.reasonPhrase(for: code)
        core.cancel(.noResponse, into: &actions)
        if abandoned, code < 200 {
            // §9.1: the attempt was given up; now that the far end is proceeding, cancel it.
            provisionalSeen = true
            if cancelState != .sent { sendCancel(now: now, into: &actions) }
            return
        }
        if code < 200 {
            provisionalSeen = true
            if code > 100, let invite, let id = DialogID(responseToOurRequest: response), earlyDialogs[id] == nil,
                let early = try? Dialog(request: invite, response: response, sentOverTLS: sentOverTLS)
            {
                earlyDialogs[id] = early
                core.change(to: .early, statusCode: code, reasonPhrase: phrase, into: &actions)
            }
            if let body = SessionBody(message: response) { actions.append(.report(.remoteBody(body))) }
            if cancelState == .pending { sendCancel(now: now, into: &actions) }
            return
        }
        core.outstanding[requestID] = nil
        if (200..<300).contains(code) {
            handle2xx(response, now: now, into: &actions)
            return
        }
        finalReceived = true
        core.cancel(.cancelGuard, into: &actions)
        var finalPhrase = phrase
        if code == 422, cancelState == .none, !abandoned, core.interval.tooSmall(response) {
            // RFC 4028 §7.3: Session Interval Too Small: again, asking for the Min-SE it names.
            let previous = lastInviteChallenges
            resendInvite(challenges: previous.list, rounds: previous.rounds, now: now, into: &actions)
            return
        }
        if cancelState == .none, !abandoned {
            let previous = lastInviteChallenges
            switch InviteChallenges.answer(
                response, previous: previous.list, rounds: previous.rounds, realms: core.realms)
            {
            case .answer(let list):
                resendInvite(challenges: list, rounds: previous.rounds + 1, now: now, into: &actions)
                return
            case .refuse(let refusal):
                finalPhrase = InviteChallenges.refused(response, refusal).reasonPhrase ?? phrase
            case .final:
                break
            }
        }
        earlyDialogs = [:]
        let reason: InviteEndReason = cancelState == .none ? .rejected : .cancelled
        core.terminate(reason, statusCode: code, reasonPhrase: finalPhrase, into: &actions)
    }

    /// The first 2xx confirms the dialog; a repeat is ACKed again; one from another fork is
    /// ACKed and ended (§13.2.2.4).
    private mutating func handle2xx(_ response: SIPMessage, now: NIODeadline, into actions: inout [InviteSessionAction])
    {
        guard let invite, let id = DialogID(responseToOurRequest: response), let code = response.statusCode else {
            return
        }
        if let confirmed = core.dialog {
            if confirmed.id == id {
                _ = core.reacknowledge(response, into: &actions)
            } else {
                ackAndEndFork(response, id: id, into: &actions)
            }
            return
        }
        finalReceived = true
        core.cancel(.cancelGuard, into: &actions)
        if core.state == .terminated {
            // Given up already (the cancel guard, or an abandoned attempt): take the call only to end it.
            if abandoned { core.outstanding = core.outstanding.filter { $0.value.purpose != .invite } }
            ackAndEndFork(response, id: id, into: &actions)
            return
        }
        var dialog: Dialog
        if var early = earlyDialogs[id] {
            early.confirm(with: response)
            dialog = early
        } else {
            do {
                dialog = try Dialog(request: invite, response: response, sentOverTLS: sentOverTLS)
            } catch {
                // A 2xx we cannot acknowledge (no Contact, no tag): the peer's dialog cannot work.
                core.terminate(.dialogFailure, statusCode: code, reasonPhrase: response.reasonPhrase, into: &actions)
                return
            }
        }
        earlyDialogs = [:]
        core.dialog = dialog
        core.acknowledge(inviteSequence: inviteSequence, into: &actions)
        core.change(to: .confirmed, statusCode: code, reasonPhrase: response.reasonPhrase, into: &actions)
        if let body = SessionBody(message: response) { actions.append(.report(.remoteBody(body))) }
        core.lastLocalBody = offer
        core.sessionEstablished(answer: response, now: now, into: &actions)
        if cancelState != .none {
            // §15: a 2xx that crossed our CANCEL: the call was not wanted.
            core.byeAndTerminate(.cancelled, statusCode: code, reasonPhrase: response.reasonPhrase, into: &actions)
        }
    }

    private mutating func ackAndEndFork(_ response: SIPMessage, id: DialogID, into actions: inout [InviteSessionAction])
    {
        if let sent = forkAcks[id] {
            actions.append(.sendAck(sent.ack, nextHop: sent.nextHop))
            return
        }
        guard let invite, var fork = try? Dialog(request: invite, response: response, sentOverTLS: sentOverTLS) else {
            return
        }
        let ack = fork.ack(inviteSequence: inviteSequence, via: core.newVia())
        forkAcks[id] = (ack, fork.nextHop)
        actions.append(.sendAck(ack, nextHop: fork.nextHop))
        let bye = fork.makeRequest(.bye, via: core.newVia(), contact: nil)
        core.send(.forkBye, bye, nextHop: fork.nextHop, into: &actions)
    }

    /// The pre-loaded route's first hop, else the Request-URI (§8.1.2; the route is loose).
    private var initialNextHop: SIPURI { route.first ?? requestURI }

    private func isInitial2xx(_ response: SIPMessage) -> Bool {
        guard let code = response.statusCode, (200..<300).contains(code), let cseq = try? response.cseq,
            let from = try? response.from
        else { return false }
        return cseq.method == .invite && cseq.sequenceNumber == inviteSequence && from.tag == localTag
            && (try? response.callID) == callID
    }

    private mutating func resendInvite(
        challenges: [RegistrationChallenge], rounds: Int, now: NIODeadline, into actions: inout [InviteSessionAction]
    ) {
        // §22.2: same Call-ID and From tag, CSeq one higher, a new transaction.
        inviteSequence = inviteSequence >= 0x7FFF_FFFF ? 1 : inviteSequence + 1
        finalReceived = false
        provisionalSeen = false
        earlyDialogs = [:]
        lastInviteChallenges = (challenges, rounds)
        let message = makeInvite()
        invite = message
        inviteSentAt = now
        core.send(.invite, message, nextHop: initialNextHop, challenges: challenges, rounds: rounds, into: &actions)
        if let noResponseTimeout { core.schedule(.noResponse, at: now + noResponseTimeout, into: &actions) }
    }

    /// A cancelled INVITE that will get no final response: stop waiting for one and end the session
    /// cancelled (nothing once a final response came).
    private mutating func giveUpCancelledInvite(into actions: inout [InviteSessionAction]) {
        guard !finalReceived else { return }
        finalReceived = true
        core.cancel(.cancelGuard, into: &actions)
        core.outstanding = core.outstanding.filter { $0.value.purpose != .invite && $0.value.purpose != .cancel }
        core.terminate(.cancelled, into: &actions)
    }

    private mutating func sendCancel(now: NIODeadline, into actions: inout [InviteSessionAction]) {
        guard let invite, let cancel = CancelRequestBuilder.cancel(for: invite) else { return }
        cancelState = .sent
        // §9.1: the CANCEL goes where the INVITE went.
        core.send(.cancel, cancel, nextHop: initialNextHop, into: &actions)
        core.schedule(.cancelGuard, at: now + core.configuration.sixtyFourT1, into: &actions)
    }

    private mutating func makeInvite() -> SIPMessage {
        var from = SIPNameAddress(displayName: core.local.displayName, uri: core.local.addressOfRecord)
        from.tag = localTag
        let configuration = core.configuration
        var h = SIPHeaders()
        h.add(.via, core.newVia().description)
        h.add(.maxForwards, "70")
        for uri in route { h.add(.route, SIPNameAddress(uri: uri).description) }
        h.add(.from, from.description)
        h.add(.to, remote.description)
        h.add(.callID, callID)
        h.add(.cseq, SIPCSeq(inviteSequence, .invite).description)
        h.add(.contact, SIPNameAddress(uri: core.local.contact).description)
        h.add(.allow, configuration.allowValue)
        if let supported = configuration.supportedValue { h.add(.supported, supported) }
        for (name, value) in core.interval.inviteHeaders() { h.add(name, value) }
        h.add(.userAgent, configuration.userAgent)
        if let offer { h.add(.contentType, offer.contentType.description) }
        return .request(method: .invite, uri: requestURI, headers: h, body: offer?.content ?? ByteBuffer())
    }
}
