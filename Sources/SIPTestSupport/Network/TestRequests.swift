import SIPCore
import SIPTransport

/// A request as a UAC core would hand it to the transport: one Via with a fresh branch and rport.
package func makeRequest(
    _ method: SIPMethod, transport: SIPTransportProtocol, callID: String = "call-\(Int.random(in: 0..<1_000_000))",
    cseq: UInt32 = 1
) -> SIPMessage {
    var headers = SIPHeaders()
    headers.add(.via, SIPVia.forNewTransaction(transport: transport).description)
    headers.add(.maxForwards, "70")
    headers.add(.from, "<sip:agent@127.0.0.1>;tag=agent1")
    headers.add(.to, "<sip:site@127.0.0.1>")
    headers.add(.callID, callID)
    headers.add(.cseq, "\(cseq) \(method)")
    return SIPMessage.request(method: method, uri: SIPURI(host: "127.0.0.1"), headers: headers)
}
