import NIOCore
import SIPCore

/// The subscription a REFER creates (RFC 3515 §2.4.4), seen by the referrer.
struct TransferSubscription: Sendable {
    var referID: UInt64
    var lastStatus: SipfragStatusLine?
}

/// Blind transfer (RFC 3515): REFER with Refer-To, then NOTIFYs whose `message/sipfrag` bodies
/// tell how the transfer target answers, each answered 200, until `Subscription-State:
/// terminated`. One transfer at a time; the TU decides what to do with the call afterwards
/// (usually BYE after a 2xx sipfrag).
///
/// Choices:
/// - A NOTIFY may arrive before the 202 (RFC 3515 §2.4.4 allows it) and is taken.
/// - A NOTIFY for another event package, or when no transfer is under way, gets 481 (RFC 6665
///   §4.1.3: no such subscription).
/// - A NOTIFY body that is not a sipfrag status line is answered 200 and reported as nothing.
extension InviteDialogUsage {
    mutating func startTransfer(to target: SIPURI, into actions: inout [InviteSessionAction]) {
        guard state == .confirmed, transfer == nil else { return }
        let referTo = SIPNameAddress(uri: target).description
        var referredBy = SIPNameAddress(displayName: local.displayName, uri: local.addressOfRecord)
        referredBy.parameters = SIPParameters()
        guard
            let id = sendInDialog(
                .refer, .refer, extraHeaders: [(.referTo, referTo), (.referredBy, referredBy.description)],
                into: &actions)
        else { return }
        transfer = TransferSubscription(referID: id, lastStatus: nil)
    }

    mutating func referAnswered(statusCode: Int, reasonPhrase: String, into actions: inout [InviteSessionAction]) {
        if (200..<300).contains(statusCode) {
            actions.append(.report(.transferProgress(.accepted(statusCode: statusCode))))
        } else {
            transfer = nil
            actions.append(.report(.transferProgress(.refused(statusCode: statusCode, reasonPhrase: reasonPhrase))))
        }
    }

    mutating func notifyReceived(_ request: SIPMessage, requestID: UInt64, into actions: inout [InviteSessionAction]) {
        let event = (try? request.event) ?? nil
        guard var subscription = transfer, event?.type.lowercased() == "refer" else {
            respond(to: request, requestID: requestID, statusCode: 481, into: &actions)
            return
        }
        respond(to: request, requestID: requestID, statusCode: 200, into: &actions)
        if let body = SessionBody(message: request), body.contentType.matches(.sipfrag),
            let status = SipfragStatusLine(body: body)
        {
            subscription.lastStatus = status
            actions.append(
                .report(.transferProgress(.notified(statusCode: status.statusCode, reasonPhrase: status.reasonPhrase))))
        }
        transfer = subscription
        let state = request.headers.first(.subscriptionState).flatMap(SubscriptionState.init(headerValue:))
        if state?.isTerminated == true {
            transfer = nil
            actions.append(
                .report(
                    .transferProgress(
                        .ended(
                            statusCode: subscription.lastStatus?.statusCode,
                            reasonPhrase: subscription.lastStatus?.reasonPhrase))))
        }
    }
}
