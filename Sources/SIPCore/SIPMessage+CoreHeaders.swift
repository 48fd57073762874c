extension SIPMessage {
    /// Parses the headers every request and response carries (RFC 3261 §8.1.1: Via, From, To,
    /// Call-ID, CSeq, and Max-Forwards when present) and returns what a transaction layer matches on.
    ///
    /// This is the check a transport and a transaction layer need before they route, match and
    /// answer a message (§17.1.3, §17.2.3, §18.2.2): a message that fails it cannot be handled at
    /// all. Every other typed header is parsed when someone reads it, and reports its own error
    /// then; ``validate()`` parses them all at once, for a UAS that wants to answer 400 up front.
    /// Doing only this on the receive path is what keeps a transport from paying for Contact,
    /// Route or Authorization parsing on messages nobody reads them from.
    ///
    /// The headers are checked through their views (the same checks and errors as ``via``, ``from``,
    /// ``to``, ``callID`` and ``cseq``), so only what is returned becomes a `String`; the top Via is
    /// returned as the few fields the layers above read (``SIPTopVia``), not as a ``SIPVia`` with a
    /// parameter list.
    package func validateCoreHeaders() throws(SIPParseError) -> SIPCoreHeaders {
        // Every Via is checked, the top one kept: walked, without the array `viaViews` would allocate.
        var first: SIPViaView?
        try forEachViaView { if first == nil { first = $0 } }
        guard let top = first else { throw SIPParseError(.missingHeader, "missing Via header") }
        let from = try fromView
        let to = try toView
        let callID = try callIDRange
        let cseq = try cseqView
        _ = try maxForwards
        return SIPCoreHeaders(
            topVia: topViaFields(top), fromTag: parameterValue("tag", in: from.parameters),
            toTag: parameterValue("tag", in: to.parameters), callID: string(callID), cseq: self.cseq(cseq))
    }
}

/// The values of the core headers that transaction matching (§17.1.3, §17.2.3) and merged-request
/// detection (§8.2.2.2) read, parsed once on receipt and handed up with the message.
package struct SIPCoreHeaders: Sendable, Hashable {
    package var topVia: SIPTopVia
    package var fromTag: String?
    package var toTag: String?
    package var callID: String
    package var cseq: SIPCSeq

    package init(topVia: SIPTopVia, fromTag: String?, toTag: String?, callID: String, cseq: SIPCSeq) {
        self.topVia = topVia
        self.fromTag = fromTag
        self.toTag = toTag
        self.callID = callID
        self.cseq = cseq
    }
}
