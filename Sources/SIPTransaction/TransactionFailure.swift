/// Why a transaction ended without a response from the other side, reported to the TU with
/// `.reportFailure`.
///
/// A client TU treats it as a final response synthesized locally (RFC 3261 §8.1.3.1): a timeout
/// as 408 (Request Timeout) and a transport failure as 503 (Service Unavailable). Because the
/// failure comes as its own action, never as `.passResponse`, the TU can always tell it from a
/// 408 or 503 that a server really sent. Equality is by code.
package struct TransactionFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    package enum Code: Hashable, Sendable {
        /// Timer B or F fired (client), or Timer H fired without an ACK (server INVITE).
        case timeout
        /// The transport could not deliver a message of this transaction (§17.1.4, §17.2.4).
        case transportError
    }

    /// The kind of failure.
    package let code: Code

    /// A timeout: Timer B, F or H fired.
    package static let timeout = TransactionFailure(code: .timeout)

    /// The transport failed to deliver a message of this transaction.
    package static let transportError = TransactionFailure(code: .transportError)

    /// The status code of the local response a client TU sees (§8.1.3.1): 408 or 503.
    package var statusCode: Int {
        switch code {
        case .timeout: 408
        case .transportError: 503
        }
    }

    /// The reason phrase of that local response.
    package var reasonPhrase: String {
        switch code {
        case .timeout: "Request Timeout"
        case .transportError: "Service Unavailable"
        }
    }

    /// Short, stable, safe for logs and metric labels.
    package var description: String {
        switch code {
        case .timeout: "transaction timeout (local 408)"
        case .transportError: "transport error (local 503)"
        }
    }
}
