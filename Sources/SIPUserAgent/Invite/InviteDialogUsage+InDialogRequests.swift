import NIOCore
import SIPCore

/// Requests the peer sends in the dialog (RFC 3261 §12.2.2): the dialog check, the CSeq order,
/// then the method.
extension InviteDialogUsage {
    mutating func requestInDialog(
        _ request: SIPMessage, requestID: UInt64, now: NIODeadline, into actions: inout [InviteSessionAction]
    ) {
        guard let method = request.method, let cseq = try? request.cseq, var d = dialog,
            DialogID(receivedRequest: request) == d.id
        else {
            if let response = DialogLookup.unknownDialogResponse(to: request) {
                actions.append(.sendResponse(response, toRequest: requestID))
            }
            return
        }
        if method == .ack {
            ackReceived(request, into: &actions)
            return
        }
        if state == .terminated && method != .bye {
            // We sent BYE: the session is gone for everything but a BYE crossing ours.
            respond(to: request, requestID: requestID, statusCode: 481, into: &actions)
            return
        }
        guard d.acceptRemoteSequence(cseq) else {
            // §12.2.2: "the request is out of order and MUST be rejected with a 500".
            respond(to: request, requestID: requestID, statusCode: 500, into: &actions)
            return
        }
        dialog = d
        switch method {
        case .bye:
            respond(to: request, requestID: requestID, statusCode: 200, into: &actions)
            if state != .terminated { terminate(.remoteHangUp, into: &actions) }
        case .invite:
            reinviteReceived(request, requestID: requestID, into: &actions)
        case .info:
            respond(to: request, requestID: requestID, statusCode: 200, into: &actions)
            actions.append(.report(.infoReceived(SessionBody(message: request))))
        case .notify:
            notifyReceived(request, requestID: requestID, into: &actions)
        case .update where SessionBody(message: request) == nil && state == .confirmed:
            // RFC 3311 without an offer: the peer's session refresh (RFC 4028 §9).
            var response = request.makeResponse(statusCode: 200)
            if let supported = configuration.supportedValue { response.headers.add(.supported, supported) }
            refreshedByPeer(request, response: &response, now: now, into: &actions)
            actions.append(.sendResponse(response, toRequest: requestID))
        case .options:
            respond(
                to: request, requestID: requestID, statusCode: 200, headers: [(.allow, configuration.allowValue)],
                into: &actions)
        default:
            // §8.2.1: 405 with Allow for a method we know but do not take here (UPDATE, PRACK,
            // an incoming REFER, …), 501 for one we have never heard of.
            let known: Set<SIPMethod> = [.update, .prack, .subscribe, .refer, .message, .publish, .register, .cancel]
            let code = known.contains(method) ? 405 : 501
            respond(
                to: request, requestID: requestID, statusCode: code, headers: [(.allow, configuration.allowValue)],
                into: &actions)
        }
    }
}
