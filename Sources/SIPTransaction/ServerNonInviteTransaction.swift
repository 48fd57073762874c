import NIOCore

/// The non-INVITE server transaction of RFC 3261 §17.2.2 (figure 8), as a value: events in,
/// actions out, time as an input.
///
/// ```
///                                   |Request received
///                                   |pass to TU
///                                   V
///                             +-----------+
///                             |           |
///                             | Trying    |-------------+
///                             |           |             |
///                             +-----------+             |200-699 from TU
///                                   |                   |send response
///                                   |1xx from TU        |
///                                   |send response      |
///                                   |                   |
///                Request            V      1xx from TU  |
///                send response+-----------+send response|
///                    +--------|           |--------+    |
///                    |        | Proceeding|        |    |
///                    +------->|           |<-------+    |
///             +<--------------|           |             |
///             |Trnsprt Err    +-----------+             |
///             |Inform TU            |                   |
///             |                     |                   |
///             |                     |200-699 from TU    |
///             |                     |send response      |
///             |  Request            V                   |
///             |  send response+-----------+             |
///             |      +--------|           |             |
///             |      |        | Completed |<------------+
///             |      +------->|           |
///             +<--------------|           |
///             |Trnsprt Err    +-----------+
///             |Inform TU            |
///             |                     |Timer J fires
///             |                     |-
///             |                     |
///             |                     V
///             |               +-----------+
///             |               |           |
///             +-------------->| Terminated|
///                             |           |
///                             +-----------+
/// ```
///
/// Follows §17.2.2: request retransmissions are absorbed in Trying and answered with the last
/// response in Proceeding and Completed; Timer J (64·T1 unreliable, zero reliable) ends
/// Completed.
///
/// Choices where the RFC leaves room:
/// - A transport error in Trying (nothing has been sent) is ignored.
/// - Responses from the TU after the final one are discarded and produce no action (§17.2.2:
///   "any other final responses passed by the TU ... MUST be discarded"), as are status codes
///   outside 100–699.
package struct ServerNonInviteTransaction: Hashable, Sendable {
    /// The states of figure 8.
    package enum State: Hashable, Sendable {
        case trying, proceeding, completed, terminated
    }

    /// The current state.
    package private(set) var state: State = .trying

    /// Whether the transport is reliable (TCP, TLS): Timer J is zero.
    package let isReliable: Bool

    /// The timer values.
    package let configuration: TransactionTimerConfiguration

    /// How many request retransmissions were answered with the last response.
    package private(set) var responseRetransmissionCount = 0

    private var started = false
    private var pending: PendingTimers = []

    /// Creates the transaction for a received request; ``start(now:)`` hands it on.
    package init(isReliable: Bool, configuration: TransactionTimerConfiguration = .init()) {
        self.isReliable = isReliable
        self.configuration = configuration
    }

    /// The request that created the transaction: pass it to the TU. A second call does nothing.
    package mutating func start(now: NIODeadline) -> TransactionActions {
        var actions = TransactionActions()
        guard !started else { return actions }
        started = true
        actions.append(.passRequest)
        return actions
    }

    /// A retransmission of the request arrived.
    package mutating func requestRetransmissionReceived(now: NIODeadline) -> TransactionActions {
        var actions = TransactionActions()
        switch state {
        case .proceeding, .completed:
            responseRetransmissionCount += 1
            actions.append(.retransmitResponse)
        case .trying, .terminated:
            break
        }
        return actions
    }

    /// The TU passes a response with this status code.
    package mutating func tuSendsResponse(statusCode: Int, now: NIODeadline) -> TransactionActions {
        var actions = TransactionActions()
        guard let responseClass = ResponseClass(statusCode: statusCode) else { return actions }
        switch (state, responseClass) {
        case (.trying, .provisional), (.proceeding, .provisional):
            state = .proceeding
            actions.append(.sendResponse(statusCode: statusCode))
        case (.trying, .success), (.trying, .failure), (.proceeding, .success), (.proceeding, .failure):
            state = .completed
            actions.append(.sendResponse(statusCode: statusCode))
            let timerJ = configuration.timerJ(isReliable: isReliable)
            if timerJ > .zero {
                pending.schedule(.j, at: now + timerJ, into: &actions)
            } else {
                terminate(reporting: nil, into: &actions)
            }
        default:
            break
        }
        return actions
    }

    /// A timer the machine scheduled has fired.
    package mutating func timerFired(_ timer: TransactionTimer, now: NIODeadline) -> TransactionActions {
        var actions = TransactionActions()
        guard pending.fire(timer) else { return actions }
        if state == .completed, timer == .j {
            terminate(reporting: nil, into: &actions)
        }
        return actions
    }

    /// The transport failed to send a response of this transaction.
    package mutating func transportError(now: NIODeadline) -> TransactionActions {
        var actions = TransactionActions()
        switch state {
        case .proceeding, .completed:
            terminate(reporting: .transportError, into: &actions)
        case .trying, .terminated:
            break
        }
        return actions
    }

    private mutating func terminate(reporting failure: TransactionFailure?, into actions: inout TransactionActions) {
        pending.cancelAll(into: &actions)
        if let failure { actions.append(.reportFailure(failure)) }
        state = .terminated
        actions.append(.terminated)
    }
}
