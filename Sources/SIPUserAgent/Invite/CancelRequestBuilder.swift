import SIPCore

/// The CANCEL for an INVITE (RFC 3261 §9.1): "The Request-URI, Call-ID, To, the numeric part of
/// CSeq, and From header fields in the CANCEL request MUST be identical to those in the request
/// being cancelled, including tags", one Via equal to the INVITE's top Via (so the same
/// branch), and the INVITE's Route headers.
package enum CancelRequestBuilder {
    package static func cancel(for invite: SIPMessage) -> SIPMessage? {
        guard let uri = invite.requestURI, let cseq = try? invite.cseq, let top = try? invite.topVia else { return nil }
        var h = SIPHeaders()
        h.add(.via, top.description)
        h.add(.maxForwards, "70")
        for route in invite.headers.values(for: .route) { h.add(.route, route) }
        if let from = invite.headers.first(.from) { h.add(.from, from) }
        if let to = invite.headers.first(.to) { h.add(.to, to) }
        if let callID = invite.headers.first(.callID) { h.add(.callID, callID) }
        h.add(.cseq, SIPCSeq(cseq.sequenceNumber, .cancel).description)
        return .request(method: .cancel, uri: uri, headers: h)
    }
}
