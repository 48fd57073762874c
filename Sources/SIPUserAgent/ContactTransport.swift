/// The transport a connection registers over, as the REGISTER needs to know it: whether RFC 5626
/// outbound (`reg-id`, `;ob`) applies and what the Contact's `transport` parameter says.
package enum ContactTransport: String, Hashable, Sendable, CaseIterable {
    case udp, tcp, tls

    /// TCP and TLS keep a flow the registrar can route back over (RFC 5626 §3).
    package var isConnectionOriented: Bool { self != .udp }

    /// The Via sent-protocol transport.
    package var viaTransport: String { rawValue.uppercased() }
}
