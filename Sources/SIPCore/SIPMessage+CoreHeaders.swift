extension SIPMessage {
    /// Parses the headers every request and response carries (RFC 3261 §8.1.1: Via, From, To,
    /// Call-ID, CSeq, and Max-Forwards when present) and returns the top Via.
    ///
    /// This is the check a transport and a transaction layer need before they route, match and
    /// answer a message (§17.1.3, §17.2.3, §18.2.2): a message that fails it cannot be handled at
    /// all. Every other typed header is parsed when someone reads it, and reports its own error
    /// then; ``validate()`` parses them all at once, for a UAS that wants to answer 400 up front.
    /// Doing only this on the receive path is what keeps a transport from paying for Contact,
    /// Route or Authorization parsing on messages nobody reads them from.
    package func validateCoreHeaders() throws(SIPParseError) -> SIPVia {
        let vias = try via
        guard let top = vias.first else { throw SIPParseError(.missingHeader, "missing Via header") }
        _ = try from
        _ = try to
        _ = try callID
        _ = try cseq
        _ = try maxForwards
        return top
    }
}
