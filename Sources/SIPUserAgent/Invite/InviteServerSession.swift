import NIOCore
import SIPCore
import SIPTransaction

/// The callee's side of an INVITE session (RFC 3261 §13.3, §9.2, §15) as a value: events in,
/// actions out, time and randomness as inputs. Created from the INVITE the transaction layer
/// passed up; the TU rings, answers or rejects it.
///
/// ```
///   +----------+  ring: 180/183   +-------+
///   | incoming | ---------------> | early |
///   +----------+                  +-------+
///     |   |  answer: 2xx, sent again at T1, 2·T1 … T2   |
///     |   +-------------------> +----------+ <-----------+
///     |                         | answered |
///     |                         +----------+
///     |                           |      | 64·T1 without ACK: BYE (§13.3.1.4)
///     | reject 3xx-6xx,           | ACK  v
///     | CANCEL: 200 + 487,        v    +-----------+
///     | BYE on the early dialog  +-----------+      re-INVITE (either side, 491 glare),
///     |                          | confirmed |      INFO, REFER/NOTIFY
///     |                          +-----------+
///     v                               | BYE sent or received, 481/408 in the dialog
///   +------------------------------------------------+
///   |                   terminated                    | -- last answer in: .terminated
///   +------------------------------------------------+
/// ```
///
/// Rules, with where they come from:
/// - The dialog exists from the INVITE (§12.1.1): route set = Record-Route as received, remote
///   target = Contact, remote CSeq = the INVITE's; every 1xx (but 100) and the 2xx carry our tag
///   and Contact, the 2xx also Allow and Supported.
/// - CANCEL before the final response: 200 to the CANCEL, 487 to the INVITE (§9.2); after it,
///   200 to the CANCEL and nothing else.
/// - A hang-up between our 2xx and its ACK waits for the ACK, or for the 64·T1 give-up (§15).
///
/// Choices where the RFC leaves room:
/// - ``hangUp(now:)`` before the answer rejects with 603 Decline.
/// - An INVITE without an offer gets the TU's offer in the 2xx; the answer in the ACK is reported
///   as ``InviteSessionEvent/remoteBody(_:)``.
package struct InviteServerSession: InviteSession, InviteSessionOperations {
    /// The dialog-level behaviour both sides share (`InviteDialogUsage+…`); the in-dialog operations of
    /// ``InviteSessionOperations`` forward to it.
    var core: InviteDialogUsage
    /// The INVITE as received.
    package let invite: SIPMessage
    /// Its server transaction.
    package let inviteRequestID: UInt64
    package let localTag: String
    private var finalSent = false
    /// RFC 4028 §9: the INVITE asked for a session interval below our Min-SE (and its UAC supports
    /// timers): answer 422 with this Min-SE (``sessionIntervalTooSmallResponse``) instead of ringing.
    package private(set) var sessionIntervalTooSmall: Int?

    /// - Throws: ``DialogError`` when the INVITE cannot make a dialog (no From tag, no Contact,
    ///   malformed headers): answer it 400 (``badRequestResponse(to:error:)``).
    package init(
        invite: SIPMessage, requestID: UInt64, local: LocalParty, localTag: String, receivedOverTLS: Bool = false,
        realms: DigestRealmPolicy, configuration: InviteSessionConfiguration = InviteSessionConfiguration(),
        random: SeededRandom
    ) throws(DialogError) {
        let dialog = try Dialog(receivedRequest: invite, localTag: localTag, receivedOverTLS: receivedOverTLS)
        core = InviteDialogUsage(
            configuration: configuration, local: local, realms: realms, random: random, state: .incoming)
        core.dialog = dialog
        self.invite = invite
        self.inviteRequestID = requestID
        self.localTag = localTag
        if case .tooSmall(let minSE) = core.interval.admit(invite) { sessionIntervalTooSmall = minSE }
        core.peerAllowsUpdate = (try? invite.allow)?.contains(.update) ?? false
    }

    /// The 422 Session Interval Too Small for an INVITE whose interval is below our Min-SE (RFC 4028 §9).
    package var sessionIntervalTooSmallResponse: SIPMessage? {
        guard let minSE = sessionIntervalTooSmall else { return nil }
        var response = invite.makeResponse(statusCode: 422, reasonPhrase: "Session Interval Too Small", toTag: localTag)
        response.headers.add(SessionTimerPolicy.minSE, "\(minSE)")
        return response
    }

    /// The 400 for an INVITE that could not make a session, with the reason as its phrase.
    package static func badRequestResponse(to invite: SIPMessage, error: DialogError) -> SIPMessage {
        invite.makeResponse(
            statusCode: 400, reasonPhrase: error.code == .missingContact ? "Missing Contact" : "Bad Request")
    }

    package var state: InviteSessionState { core.state }
    package var dialog: Dialog? { core.dialog }
    /// The offer in the INVITE, if it had one.
    package var offer: SessionBody? { SessionBody(message: invite) }

    // MARK: Events of the callee

    /// 180 Ringing (or 183 with early media, any 101–199).
    package mutating func ring(statusCode: Int = 180, body: SessionBody? = nil, now: NIODeadline)
        -> [InviteSessionAction]
    {
        var actions: [InviteSessionAction] = []
        guard !finalSent, (101...199).contains(statusCode), core.state == .incoming || core.state == .early else {
            return actions
        }
        var response = invite.makeResponse(statusCode: statusCode, toTag: localTag)
        response.headers.add(.contact, SIPNameAddress(uri: core.local.contact).description)
        if let body {
            response.headers.add(.contentType, body.contentType.description)
            response.body = body.content
        }
        actions.append(.sendResponse(response, toRequest: inviteRequestID))
        if core.state == .incoming, let ringTimeout = core.configuration.ringTimeout {
            core.schedule(.ringTimeout, at: now + ringTimeout, into: &actions)
        }
        core.change(to: .early, statusCode: statusCode, reasonPhrase: response.reasonPhrase, into: &actions)
        return actions
    }

    /// 200 OK with the answer (or with an offer when the INVITE had none).
    package mutating func answer(body: SessionBody?, now: NIODeadline) -> [InviteSessionAction] {
        var actions: [InviteSessionAction] = []
        guard !finalSent, core.state == .incoming || core.state == .early, let cseq = try? invite.cseq else {
            return actions
        }
        finalSent = true
        core.cancel(.ringTimeout, into: &actions)
        var response = invite.makeResponse(statusCode: 200, toTag: localTag)
        core.addDialogHeaders(to: &response, body: body)
        for (name, value) in core.interval.answerHeaders() { response.headers.add(name, value) }
        core.lastLocalBody = body
        core.dialog?.confirm()
        core.change(to: .answered, statusCode: 200, reasonPhrase: response.reasonPhrase, into: &actions)
        core.sessionEstablished(answer: nil, now: now, into: &actions)
        core.awaitAck(
            for: response, requestID: inviteRequestID, sequence: cseq.sequenceNumber, isInitial: true, now: now,
            into: &actions)
        return actions
    }

    /// A final 3xx–6xx (486 Busy Here, 603 Decline, 488 Not Acceptable Here …).
    package mutating func reject(statusCode: Int, reasonPhrase: String? = nil, now: NIODeadline)
        -> [InviteSessionAction]
    {
        var actions: [InviteSessionAction] = []
        guard !finalSent, (300...699).contains(statusCode), core.state == .incoming || core.state == .early else {
            return actions
        }
        finalSent = true
        let response = invite.makeResponse(statusCode: statusCode, reasonPhrase: reasonPhrase, toTag: localTag)
        actions.append(.sendResponse(response, toRequest: inviteRequestID))
        core.terminate(.rejectedLocally, statusCode: statusCode, reasonPhrase: response.reasonPhrase, into: &actions)
        return actions
    }

    package mutating func hangUp(now: NIODeadline) -> [InviteSessionAction] {
        switch core.state {
        case .incoming, .early:
            return reject(statusCode: 603, now: now)
        case .answered, .confirmed:
            var actions: [InviteSessionAction] = []
            core.hangUpEstablished(into: &actions)
            return actions
        case .calling, .terminated:
            return []
        }
    }

    /// A CANCEL whose transaction matched this INVITE's (§9.2; the transaction layer finds it).
    package mutating func cancelReceived(_ cancel: SIPMessage, requestID: UInt64, now: NIODeadline)
        -> [InviteSessionAction]
    {
        var actions: [InviteSessionAction] = []
        actions.append(.sendResponse(cancel.makeResponse(statusCode: 200, toTag: localTag), toRequest: requestID))
        guard !finalSent, core.state == .incoming || core.state == .early else { return actions }
        finalSent = true
        actions.append(.sendResponse(invite.makeResponse(statusCode: 487, toTag: localTag), toRequest: inviteRequestID))
        core.terminate(
            .cancelledByRemote, statusCode: 487, reasonPhrase: SIPStatus.reasonPhrase(for: 487), into: &actions)
        return actions
    }

    package mutating func requestReceived(_ request: SIPMessage, requestID: UInt64, now: NIODeadline)
        -> [InviteSessionAction]
    {
        var actions: [InviteSessionAction] = []
        if request.method == .bye, !finalSent, core.state == .incoming || core.state == .early,
            let d = core.dialog, DialogID(receivedRequest: request) == d.id
        {
            // §15: the caller may BYE an early dialog; the INVITE then ends with 487.
            finalSent = true
            actions.append(.sendResponse(request.makeResponse(statusCode: 200), toRequest: requestID))
            actions.append(
                .sendResponse(invite.makeResponse(statusCode: 487, toTag: localTag), toRequest: inviteRequestID))
            core.terminate(.remoteHangUp, into: &actions)
            return actions
        }
        core.requestInDialog(request, requestID: requestID, now: now, into: &actions)
        return actions
    }

    package mutating func responseReceived(_ response: SIPMessage, requestID: UInt64, now: NIODeadline)
        -> [InviteSessionAction]
    {
        var actions: [InviteSessionAction] = []
        core.responseInDialog(response, requestID: requestID, now: now, into: &actions)
        return actions
    }

    package mutating func requestFailed(_ failure: TransactionFailure, requestID: UInt64, now: NIODeadline)
        -> [InviteSessionAction]
    {
        var actions: [InviteSessionAction] = []
        core.failureInDialog(failure, requestID: requestID, now: now, into: &actions)
        return actions
    }

    package mutating func strayResponseReceived(_ response: SIPMessage, now: NIODeadline) -> [InviteSessionAction] {
        var actions: [InviteSessionAction] = []
        _ = core.reacknowledge(response, into: &actions)
        return actions
    }

    package mutating func timerFired(_ timer: InviteSessionTimer, now: NIODeadline) -> [InviteSessionAction] {
        var actions: [InviteSessionAction] = []
        guard core.consume(timer) else { return actions }
        if timer == .ringTimeout {
            // Nobody answered within the ring time: the caller hears 480 (RFC 3261 §21.4.18, "the
            // callee's end system was contacted successfully but the callee is currently unavailable").
            return reject(statusCode: 480, reasonPhrase: "Temporarily Unavailable", now: now)
        }
        core.timerFiredInCore(timer, now: now, into: &actions)
        return actions
    }
}
