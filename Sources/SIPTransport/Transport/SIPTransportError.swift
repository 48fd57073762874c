/// Why the transport layer could not send, or why a flow ended.
///
/// Equality is by ``code`` only (as AsyncHTTPClient's `HTTPClientError`), so callers match on the kind;
/// ``detail`` carries the underlying reason (the NIOSSL or socket error text) for people and logs.
public struct SIPTransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure: what callers match on and what metrics count (the raw value is the label).
    public enum Code: String, Sendable, Hashable {
        /// The TCP connection could not be made (refused, unreachable, timed out).
        case connectFailed
        /// The TLS handshake failed: untrusted or wrong-name certificate, protocol mismatch…
        case tlsHandshakeFailed
        /// The TLS configuration could not be loaded (CA, certificate or key file).
        case tlsConfigurationInvalid
        /// No listener of this transport and address family to send from, or TLS asked without a listener.
        case noListener
        /// The flow named is no longer open (§18.2.2 then falls back to an address).
        case flowClosed
        /// The connection closed or failed while in use.
        case connectionClosed
        /// A CRLF keep-alive ping got no pong within the timeout (RFC 5626 §4.4.1).
        case keepAliveTimeout
        /// The message cannot be sent: no usable top Via, a host name where an address is needed…
        case invalidMessage
        /// Binding a listener failed (port in use, address not local…).
        case bindFailed
        /// The transport layer is not started or has been closed.
        case notRunning
    }

    /// The kind of failure; the only thing equality and hashing use.
    public let code: Code
    /// What happened, for a person; never contains credentials.
    public let detail: String

    /// An error of kind `code` with a human-readable `detail`, which must not contain credentials.
    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code.rawValue): \(detail)" }

    /// A short, fixed text for metrics labels.
    public var shortDescription: String { code.rawValue }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
