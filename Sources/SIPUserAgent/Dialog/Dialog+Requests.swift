import NIOCore
import SIPCore

extension Dialog {
    /// The Request-URI and Route headers of an in-dialog request (§12.2.1.1):
    /// - empty route set: the remote target, no Route;
    /// - first route is a loose router (`;lr`): the remote target, Route = the route set;
    /// - first route is a strict router: its URI (without the parameters a Request-URI may not
    ///   carry, §19.1.1: `method` and headers), Route = the rest of the set and then the remote
    ///   target.
    package var requestTarget: (requestURI: SIPURI, routes: [SIPNameAddress]) {
        guard let first = routeSet.first else { return (remoteTarget, []) }
        if first.uri.isLooseRouter { return (remoteTarget, routeSet) }
        var uri = first.uri
        uri.parameters.remove("method")
        uri.headers = SIPParameters()
        return (uri, Array(routeSet.dropFirst()) + [SIPNameAddress(uri: remoteTarget)])
    }

    /// Where an in-dialog request goes first (§8.1.2): the first route when it is a loose
    /// router, else the Request-URI (the remote target, or the strict router put there).
    package var nextHop: SIPURI {
        guard let first = routeSet.first, first.uri.isLooseRouter else { return requestTarget.requestURI }
        return first.uri
    }

    /// A new request in this dialog (not ACK, not CANCEL) with the next local CSeq (§12.2.1.1).
    /// `contact` goes in target refresh requests (INVITE, UPDATE) and in those that create a
    /// subscription usage (REFER, SUBSCRIBE, NOTIFY), where §12.2.1.1 and RFC 3515 want it.
    package mutating func makeRequest(
        _ method: SIPMethod, via: SIPVia, contact: SIPURI?, body: SessionBody? = nil,
        extraHeaders: [(SIPHeaderName, String)] = []
    ) -> SIPMessage {
        let sequence = takeNextSequence()
        return request(method, sequence: sequence, via: via, contact: contact, body: body, extraHeaders: extraHeaders)
    }

    /// The ACK for a 2xx to the INVITE (or re-INVITE) with CSeq `inviteSequence` (§13.2.2.4): a
    /// new transaction branch, the dialog's route, the INVITE's CSeq number with method ACK.
    package func ack(inviteSequence: UInt32, via: SIPVia, body: SessionBody? = nil) -> SIPMessage {
        request(.ack, sequence: inviteSequence, via: via, contact: nil, body: body, extraHeaders: [])
    }

    /// Rewrites a request of this dialog for its next attempt (a 401/407 answered, §22.2): the
    /// next CSeq, a fresh top Via, no old credentials.
    package mutating func reissue(_ request: SIPMessage, via: SIPVia) -> SIPMessage {
        var message = request
        let method = request.method ?? .invite
        message.headers.remove(.via)
        message.headers.prepend(.via, via.description)
        message.headers.replaceOrAdd(.cseq, SIPCSeq(takeNextSequence(), method).description)
        message.headers.remove(.authorization)
        message.headers.remove(.proxyAuthorization)
        return message
    }

    /// §12.2.1.1: From is always us and To the peer, whichever side created the dialog.
    static func requestValues(_ local: SIPNameAddress, _ remote: SIPNameAddress, _ id: DialogID) -> (String, String) {
        var from = local
        from.tag = id.localTag
        var to = remote
        to.tag = id.remoteTag
        return (from.description, to.description)
    }

    private func request(
        _ method: SIPMethod, sequence: UInt32, via: SIPVia, contact: SIPURI?, body: SessionBody?,
        extraHeaders: [(SIPHeaderName, String)]
    ) -> SIPMessage {
        let target = requestTarget
        var h = SIPHeaders()
        h.add(.via, via.description)
        h.add(.maxForwards, "70")
        if let first = routeSet.first, !first.uri.isLooseRouter {
            for route in target.routes { h.add(.route, route.description) }
        } else {
            for value in routeValues { h.add(.route, value) }
        }
        h.add(.from, fromValue)
        h.add(.to, toValue)
        h.add(.callID, id.callID)
        h.add(.cseq, SIPCSeq(sequence, method).description)
        if let contact { h.add(.contact, SIPNameAddress(uri: contact).description) }
        for (name, value) in extraHeaders { h.add(name, value) }
        if let body { h.add(.contentType, body.contentType.description) }
        return .request(method: method, uri: target.requestURI, headers: h, body: body?.content ?? ByteBuffer())
    }
}
