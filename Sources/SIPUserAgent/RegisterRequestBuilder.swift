import SIPCore
import SIPTransport

/// Builds the REGISTERs of one binding (RFC 3261 §10.2, RFC 5626 §4.2.1). A value holding what
/// must stay the same across the binding's life — Call-ID, From tag, Contact — and the CSeq,
/// which rises with every request (§10.2.4: "a UA MUST use the same Call-ID for all
/// registrations during a single boot cycle", "CSeq ... MUST be incremented by one").
///
/// The top Via is a placeholder (the Contact's address, the branch the caller passes, `rport`):
/// the transport writes the real sent-by when it picks the local address.
///
///     REGISTER sip:site-a.example.net SIP/2.0
///     Via: SIP/2.0/TCP 127.0.10.5:5060;branch=z9hG4bK…;rport
///     Max-Forwards: 70
///     From: "Agent" <sip:7001@site-a.example.net>;tag=…
///     To: "Agent" <sip:7001@site-a.example.net>
///     Call-ID: …
///     CSeq: 2 REGISTER
///     Contact: <sip:7001@127.0.10.5:5060;transport=tcp;ob>;+sip.instance="<urn:uuid:…>";reg-id=1
///     Expires: 3600
///     Allow: INVITE, ACK, …
///     Supported: outbound, path
///     User-Agent: SipEndpoint
///     Authorization: Digest …            (one per answered challenge)
package struct RegisterRequestBuilder: Sendable {
    /// The address of record: `sip:user@domain`, in From and To.
    package let addressOfRecord: SIPURI
    /// The display name of From and To.
    package let displayName: String?
    /// The Request-URI: `sip:domain` (§10.2: "the domain of the location service").
    package let registrarURI: SIPURI
    /// Our Contact, with `+sip.instance` always and, on TCP/TLS, `reg-id` and `;ob`.
    package let contact: SIPNameAddress
    package let transport: SIPTransportProtocol
    package let callID: String
    package let fromTag: String
    package let userAgent: String
    package let allow: [SIPMethod]
    /// The CSeq number of the next request.
    package private(set) var nextSequenceNumber: UInt32

    /// The methods this SDK answers, for Allow. Default of ``init(addressOfRecord:displayName:registrarURI:contactURI:transport:instanceURN:regID:callID:fromTag:userAgent:allow:firstSequenceNumber:)``.
    package static let defaultAllow: [SIPMethod] = [
        .invite, .ack, .cancel, .bye, .options, .info, .update, .refer, .notify,
    ]

    /// - Parameters:
    ///   - contactURI: where the registrar should send requests (user and local address); the
    ///     builder adds `transport=` for TCP/TLS when missing and `ob` (RFC 5626 §4.2.1).
    ///   - instanceURN: `urn:uuid:…`, one per phone (``SIPIdentifiers/instanceURN(using:)``).
    ///   - regID: RFC 5626 `reg-id`, one per connection of the phone (used on TCP/TLS only).
    package init(
        addressOfRecord: SIPURI, displayName: String? = nil, registrarURI: SIPURI, contactURI: SIPURI,
        transport: SIPTransportProtocol, instanceURN: String, regID: Int, callID: String, fromTag: String,
        userAgent: String = "SipEndpoint", allow: [SIPMethod] = RegisterRequestBuilder.defaultAllow,
        firstSequenceNumber: UInt32 = 1
    ) {
        self.addressOfRecord = addressOfRecord
        self.displayName = displayName
        self.registrarURI = registrarURI
        self.transport = transport
        self.callID = callID
        self.fromTag = fromTag
        self.userAgent = userAgent
        self.allow = allow
        self.nextSequenceNumber = max(1, firstSequenceNumber)

        var uri = contactURI
        var parameters = SIPParameters()
        parameters.append("+sip.instance", "\"<\(instanceURN)>\"")
        if transport.isReliable {
            if uri.transportParameter == nil { uri.parameters.append("transport", transport.rawValue) }
            if !uri.parameters.contains("ob") { uri.parameters.append("ob") }
            parameters.append("reg-id", String(regID))
        }
        self.contact = SIPNameAddress(uri: uri, parameters: parameters)
    }

    /// The Request-URI as digest's `uri` parameter wants it (RFC 3261 §22.4).
    package var digestURI: String { registrarURI.description }

    /// The next REGISTER: Expires `expires` (0 removes our binding), CSeq one above the last,
    /// and one credentials header per entry of `credentials`.
    package mutating func register(
        expires: Int, branch: String, credentials: [(header: SIPHeaderName, value: SIPAuthentication)] = []
    ) -> SIPMessage {
        let sequence = nextSequenceNumber
        // §8.1.1.5: CSeq stays below 2^31; a binding would need 2^31 refreshes to get there.
        nextSequenceNumber = sequence >= 0x7FFF_FFFF ? 1 : sequence + 1
        let address = SIPNameAddress(displayName: displayName, uri: addressOfRecord)
        var from = address
        from.tag = fromTag

        var h = SIPHeaders()
        h.add(
            .via,
            SIPVia(transport: transport.viaToken, host: contact.uri.host, port: contact.uri.port, branch: branch)
                .description)
        h.add(.maxForwards, "70")
        h.add(.from, from.description)
        h.add(.to, address.description)
        h.add(.callID, callID)
        h.add(.cseq, SIPCSeq(sequence, .register).description)
        h.add(.contact, contact.description)
        h.add(.expires, String(max(0, expires)))
        h.add(.allow, allow.map(\.rawValue).joined(separator: ", "))
        h.add(.supported, transport.isReliable ? "outbound, path" : "path")
        h.add(.userAgent, userAgent)
        for c in credentials { h.add(c.header, c.value.description) }
        return .request(method: .register, uri: registrarURI, headers: h)
    }
}
