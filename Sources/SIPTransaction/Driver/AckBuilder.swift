import SIPCore

/// The ACK a client INVITE transaction sends for a 3xx–6xx (RFC 3261 §17.1.1.3): the INVITE's
/// Request-URI, Call-ID, From and top Via (so its branch), the To of the response (with its tag),
/// the INVITE's CSeq number with method ACK, and the INVITE's Route headers.
enum AckBuilder {
    static func ack(for invite: SIPMessage, response: SIPMessage) -> SIPMessage? {
        guard case .request(_, let uri) = invite.startLine, let cseq = try? invite.cseq else { return nil }
        var headers = SIPHeaders()
        if let via = invite.headers.first(.via), let top = try? invite.topVia {
            // A Via line may hold several values; only the top one belongs in the ACK.
            headers.add(.via, via.contains(",") ? top.description : via)
        }
        headers.add(.maxForwards, "70")
        for route in invite.headers.values(for: .route) { headers.add(.route, route) }
        if let from = invite.headers.first(.from) { headers.add(.from, from) }
        if let to = response.headers.first(.to) { headers.add(.to, to) }
        if let callID = invite.headers.first(.callID) { headers.add(.callID, callID) }
        headers.add(.cseq, SIPCSeq(cseq.sequenceNumber, .ack).description)
        return .request(method: .ack, uri: uri, headers: headers)
    }
}
