/// An error of the SDK's public API. Equality is by ``code``, like AsyncHTTPClient's `HTTPClientError`;
/// ``detail`` says more for people and logs and never contains credentials.
public struct SipEndpointError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure: what callers match on (the raw value is its name in logs).
    public enum Code: String, Sendable, Hashable {
        /// No connection has this id.
        case unknownConnection
        /// The phone is not running (not started yet, or shut down).
        case notRunning
        /// ``Phone/start()`` was called twice.
        case alreadyStarted
        /// The transport could not bind or start (ports, TLS files).
        case transportStartFailed
        /// A configuration value the SDK cannot use.
        case invalidConfiguration
        /// A wait ended before the state it waited for.
        case timedOut
        /// No session has this id (it may have ended).
        case unknownSession
        /// The session is not in a status that allows this (answer a call that does not ring, …).
        case invalidState
        /// A destination that is neither a user/number nor a SIP URI, or a DTMF digit that is not one.
        case invalidDestination
        /// No RTP port could be reserved for the call.
        case mediaUnavailable
        /// The far end refused the request or it got no answer (a hold's re-INVITE answered 488, or
        /// lost with its site): what it asked for did not happen.
        case requestFailed
    }

    /// The kind of failure; the only thing equality and hashing use.
    public let code: Code
    /// What happened, for people and logs; never contains credentials.
    public let detail: String
    /// The connections the error is about: for ``Code/timedOut`` from
    /// ``ConnectionManager/waitUntilReady(_:timeout:)``, those that were not ready. Often empty.
    public let connectionIds: [Int]

    /// An error of kind `code` with a human-readable `detail` (which must not contain credentials) and the
    /// `connectionIds` it concerns (default none).
    public init(_ code: Code, _ detail: String, connectionIds: [Int] = []) {
        self.code = code
        self.detail = detail
        self.connectionIds = connectionIds
    }

    public var description: String { "\(code.rawValue): \(detail)" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
