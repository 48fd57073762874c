import NIOCore
import SIPCore
import SIPTransport

/// What a client transaction tells the request's sender (the TU), on the event loop.
package enum ClientTransactionEvent: Sendable {
    /// A 1xx.
    case provisional(SIPReceivedMessage)
    /// The final response (2xx–6xx). For an INVITE, later 2xx retransmissions reach the TU as stray
    /// responses (the dialog's business, §13.2.2.4).
    case final(SIPReceivedMessage)
    /// No response in time, or the transport could not deliver the request: a local 408 / 503
    /// (§8.1.3.1). `detail` says what the transport reported, when it did.
    case failed(TransactionFailure, detail: String?)

    /// The status code, real or local.
    package var statusCode: Int {
        switch self {
        case .provisional(let r), .final(let r): r.message.statusCode ?? 0
        case .failed(let f, _): f.statusCode
        }
    }
}

/// A request that created a server transaction, handed to the TU; answer it with
/// ``SIPTransactionLayer/respond(_:to:)``.
package struct IncomingRequest: Sendable {
    package var received: SIPReceivedMessage
    package var message: SIPMessage { received.message }
    /// Nil for requests answered statelessly (no RFC 3261 branch) and for ACKs to 2xx.
    package var transaction: ServerTransactionID?

    package init(received: SIPReceivedMessage, transaction: ServerTransactionID?) {
        self.received = received
        self.transaction = transaction
    }
}

/// Identifies a client transaction while it lives.
package struct ClientTransactionID: Hashable, Sendable {
    package let key: TransactionKey
}

/// Identifies a server transaction while it lives.
package struct ServerTransactionID: Hashable, Sendable {
    package let key: TransactionKey
}
