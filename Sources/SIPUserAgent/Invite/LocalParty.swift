import SIPCore
import SIPTransport

/// Who we are in a session: the address of record in From (UAC) or To (UAS), and the Contact
/// where the peer sends its in-dialog requests.
package struct LocalParty: Hashable, Sendable {
    /// `sip:user@domain` of the connection.
    package var addressOfRecord: SIPURI
    package var displayName: String?
    /// Our Contact URI: the local address of the transport the dialog uses.
    package var contact: SIPURI
    package var transport: SIPTransportProtocol

    package init(addressOfRecord: SIPURI, displayName: String? = nil, contact: SIPURI, transport: SIPTransportProtocol)
    {
        self.addressOfRecord = addressOfRecord
        self.displayName = displayName
        self.contact = contact
        self.transport = transport
    }

    /// The top Via of a new request: a placeholder sent-by (the transport writes the real one),
    /// the branch, `rport` (RFC 3581).
    func via(branch: String) -> SIPVia {
        SIPVia(transport: transport.viaToken, host: contact.host, port: contact.port, branch: branch)
    }
}
