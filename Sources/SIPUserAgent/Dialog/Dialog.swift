import SIPCore

/// A dialog of RFC 3261 §12 as a value: the state both ends keep to send requests to each other
/// outside the first transaction. Created from the INVITE (UAS, §12.1.1) or from a 1xx with a To
/// tag or a 2xx (UAC, §12.1.2); it builds the in-dialog requests (``makeRequest(_:via:contact:body:extraHeaders:)``,
/// §12.2.1.1) and checks the ones that arrive (``acceptRemoteSequence(_:)``, §12.2.2).
///
/// ```
///            1xx with To tag (UAC) / 1xx sent (UAS)
///   (none) ----------------------------------------> early
///     |                                               |  2xx (UAC: route set and target
///     | 2xx (UAC) / 2xx sent (UAS)                    |  recomputed from the 2xx, §13.2.2.4)
///     +-------------------------> confirmed <---------+
///                                    |  BYE, 481/408 to an in-dialog request (§12.2.1.2)
///                                    v
///                                 (ended: the session drops the value)
/// ```
///
/// Choices where the RFC leaves room:
/// - A peer without tags (RFC 2543) cannot create a dialog: ``DialogError/Code/missingTag``.
/// - A 1xx without Contact makes an early dialog whose remote target is the Request-URI (many
///   180s carry none); a 2xx without Contact is an error, as §12.1.2 requires one.
/// - The UAS's first local CSeq is 1 (§12.2.1.1 lets the UA choose any value below 2^31).
/// - A request whose CSeq equals the remote sequence number is in order (retransmissions are the
///   transaction layer's business; §12.2.2 only rejects lower numbers).
package struct Dialog: Hashable, Sendable {
    package enum State: Hashable, Sendable {
        case early, confirmed
    }

    package private(set) var id: DialogID
    package private(set) var state: State
    /// Our address (From of the UAC's requests, To of the UAS's), without tag.
    package let localAddress: SIPNameAddress
    /// The peer's address, without tag.
    package let remoteAddress: SIPNameAddress
    /// Where in-dialog requests go: the peer's Contact, replaced by target refreshes (§12.2).
    package private(set) var remoteTarget: SIPURI
    /// The Record-Route values, in the order our requests visit them (reversed for the UAC).
    package private(set) var routeSet: [SIPNameAddress] {
        didSet { routeValues = routeSet.map(\.description) }
    }
    /// ``routeSet`` printed, the Route values of every request while the first route is a loose
    /// router: set with the route set, not again for each ACK and BYE.
    private(set) var routeValues: [String]
    /// The CSeq number we used last; nil until the UAS sends its first request.
    package private(set) var localSequence: UInt32?
    /// The highest CSeq number the peer used; nil until its first request (UAC).
    package private(set) var remoteSequence: UInt32?
    /// TLS all the way and a SIPS Request-URI (§12.1.1, §12.1.2).
    package let isSecure: Bool
    /// Whether we sent the dialog-creating INVITE (and so generated the Call-ID, §14.1).
    package let isCaller: Bool
    /// The From and To values of every request we send in the dialog (§12.2.1.1: our address with
    /// the local tag, the peer's with the remote tag), printed once: neither changes for the
    /// dialog's life, and every ACK and BYE would otherwise print both again.
    let fromValue: String, toValue: String

    /// The UAC's dialog from its INVITE and a 1xx with a To tag or a 2xx (§12.1.2).
    package init(request: SIPMessage, response: SIPMessage, sentOverTLS: Bool = false) throws(DialogError) {
        guard let callID = try? request.callID, let from = try? request.from, let to = try? response.to,
            let cseq = try? request.cseq, let requestURI = request.requestURI, let code = response.statusCode
        else { throw DialogError(.malformedHeader, "Call-ID, From, To or CSeq unusable") }
        guard let localTag = from.tag else { throw DialogError(.missingTag, "our From has no tag") }
        guard let remoteTag = to.tag else { throw DialogError(.missingTag, "response To has no tag") }
        let contact = ((try? response.contacts) ?? []).first?.address?.uri
        guard let target = contact ?? (code < 200 ? requestURI : nil) else {
            throw DialogError(.missingContact, "2xx without Contact")
        }
        id = DialogID(callID: callID, localTag: localTag, remoteTag: remoteTag)
        state = code < 200 ? .early : .confirmed
        localAddress = Self.withoutTag(from)
        remoteAddress = Self.withoutTag(to)
        remoteTarget = target
        routeSet = ((try? response.recordRoutes) ?? []).reversed()
        routeValues = routeSet.map(\.description)
        localSequence = cseq.sequenceNumber
        remoteSequence = nil
        isSecure = sentOverTLS && requestURI.scheme == .sips
        isCaller = true
        (fromValue, toValue) = Self.requestValues(localAddress, remoteAddress, id)
    }

    /// The UAS's dialog from the INVITE it received, with the To tag it answers with (§12.1.1).
    /// Early until ``confirm()``.
    package init(receivedRequest request: SIPMessage, localTag: String, receivedOverTLS: Bool = false)
        throws(DialogError)
    {
        guard let callID = try? request.callID, let from = try? request.from, let to = try? request.to,
            let cseq = try? request.cseq, let requestURI = request.requestURI
        else { throw DialogError(.malformedHeader, "Call-ID, From, To or CSeq unusable") }
        guard let remoteTag = from.tag else { throw DialogError(.missingTag, "request From has no tag") }
        guard let target = ((try? request.contacts) ?? []).first?.address?.uri else {
            throw DialogError(.missingContact, "INVITE without Contact")
        }
        id = DialogID(callID: callID, localTag: localTag, remoteTag: remoteTag)
        state = .early
        localAddress = Self.withoutTag(to)
        remoteAddress = Self.withoutTag(from)
        remoteTarget = target
        routeSet = (try? request.recordRoutes) ?? []
        routeValues = routeSet.map(\.description)
        localSequence = nil
        remoteSequence = cseq.sequenceNumber
        isSecure = receivedOverTLS && requestURI.scheme == .sips
        isCaller = false
        (fromValue, toValue) = Self.requestValues(localAddress, remoteAddress, id)
    }

    /// UAS: the 2xx is sent.
    package mutating func confirm() { state = .confirmed }

    /// UAC: a 2xx on this early dialog. §13.2.2.4: "the route set for the dialog MUST be
    /// recomputed based on the 2xx response", and its Contact is the remote target.
    package mutating func confirm(with response: SIPMessage) {
        state = .confirmed
        // Most 2xx repeat the 1xx's Record-Route: then the printed values stand.
        let routes = Array(((try? response.recordRoutes) ?? []).reversed())
        if routes != routeSet { routeSet = routes }
        refreshRemoteTarget(from: response)
    }

    /// A target refresh (§12.2.1.2 for the 2xx to our re-INVITE, §12.2.2 for a re-INVITE we
    /// accept): the Contact, when present, becomes the remote target.
    package mutating func refreshRemoteTarget(from message: SIPMessage) {
        if let uri = ((try? message.contacts) ?? []).first?.address?.uri { remoteTarget = uri }
    }

    /// §12.2.2: a request whose CSeq is below the remote sequence number is out of order (answer
    /// 500); otherwise the number is remembered. ACK and CANCEL carry the INVITE's number and
    /// are never checked.
    package mutating func acceptRemoteSequence(_ cseq: SIPCSeq) -> Bool {
        if cseq.method == .ack || cseq.method == .cancel { return true }
        if let remote = remoteSequence, cseq.sequenceNumber < remote { return false }
        remoteSequence = cseq.sequenceNumber
        return true
    }

    /// The CSeq number of the next request, taken (§12.2.1.1: "incremented by one").
    package mutating func takeNextSequence() -> UInt32 {
        let next: UInt32
        if let local = localSequence {
            // §8.1.1.5: below 2^31.
            next = local >= 0x7FFF_FFFF ? 1 : local + 1
        } else {
            next = 1
        }
        localSequence = next
        return next
    }

    private static func withoutTag(_ address: SIPNameAddress) -> SIPNameAddress {
        var a = address
        a.parameters.remove("tag")
        return a
    }
}
