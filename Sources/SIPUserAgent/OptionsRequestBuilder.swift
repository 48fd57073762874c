import SIPCore
import SIPTransport

/// Builds the OPTIONS health probes of one connection (RFC 3261 §11). The probes of a connection
/// share a Call-ID and From tag with a rising CSeq, like a registration: no state grows on the
/// server per probe, and a trace shows them as one series. Any response means the site is there.
package struct OptionsRequestBuilder: Sendable {
    /// Where the probe goes: `sip:domain` (the server of the connection).
    package let targetURI: SIPURI
    /// From: the connection's address of record.
    package let addressOfRecord: SIPURI
    package let transport: SIPTransportProtocol
    /// The placeholder Via's sent-by; the transport rewrites it.
    package let localURI: SIPURI
    package let callID: String
    package let fromTag: String
    package let userAgent: String
    package private(set) var nextSequenceNumber: UInt32 = 1

    /// `firstSequenceNumber`: the CSeq of the first probe (default 1); a binding that builds its probes
    /// one at a time passes the ``nextSequenceNumber`` of the last builder.
    package init(
        targetURI: SIPURI, addressOfRecord: SIPURI, transport: SIPTransportProtocol, localURI: SIPURI, callID: String,
        fromTag: String, userAgent: String = "SipEndpoint", firstSequenceNumber: UInt32 = 1
    ) {
        self.nextSequenceNumber = max(1, firstSequenceNumber)
        self.targetURI = targetURI
        self.addressOfRecord = addressOfRecord
        self.transport = transport
        self.localURI = localURI
        self.callID = callID
        self.fromTag = fromTag
        self.userAgent = userAgent
    }

    /// The next probe.
    package mutating func probe(branch: String) -> SIPMessage {
        let sequence = nextSequenceNumber
        nextSequenceNumber = sequence >= 0x7FFF_FFFF ? 1 : sequence + 1
        var from = SIPNameAddress(uri: addressOfRecord)
        from.tag = fromTag
        var h = SIPHeaders()
        h.add(
            .via,
            SIPVia(transport: transport.viaToken, host: localURI.host, port: localURI.port, branch: branch)
                .description)
        h.add(.maxForwards, "70")
        h.add(.from, from.description)
        h.add(.to, SIPNameAddress(uri: targetURI).description)
        h.add(.callID, callID)
        h.add(.cseq, SIPCSeq(sequence, .options).description)
        h.add(.accept, "application/sdp")
        h.add(.userAgent, userAgent)
        return .request(method: .options, uri: targetURI, headers: h)
    }
}
