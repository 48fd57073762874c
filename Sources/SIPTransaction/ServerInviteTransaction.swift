import NIOCore

/// The INVITE server transaction of RFC 3261 §17.2.1 as amended by RFC 6026 §7.1 (figure 7 of
/// RFC 6026: the Accepted state), as a value: events in, actions out, time as an input.
///
/// ```
///                                     |INVITE
///                                     |pass INV to TU
///                  INVITE             V send 100 if TU won't in 200 ms
///                  send response+------------+
///                      +--------|            |--------+ 101-199 from TU
///                      |        |            |        | send response
///                      +------->|            |<-------+
///                               | Proceeding |
///                               |            |--------+ Transport Err.
///                               |            |        | Inform TU
///                               |            |<-------+
///                               +------------+
///                  300-699 from TU |    |2xx from TU
///                  send response   |    |send response
///                   +--------------+    +------------+
///                   |                                |
///  INVITE           V          Timer G fires         |
///  send response +-----------+ send response         |
///       +--------|           |--------+              |
///       |        |           |        |              |
///       +------->| Completed |<-------+      INVITE  |  Transport Err.
///                |           |               -       |  Inform TU
///       +--------|           |----+          +-----+ |  +---+
///       |        +-----------+    | ACK      |     | v  |   v
///       |          ^   |          | -        |  +------------+
///       |          |   |          |          |  |            |---+ ACK
///       +----------+   |          |          +->|  Accepted  |   | to TU
///       Transport Err. |          |             |            |<--+
///       Inform TU      |          V             +------------+
///                      |      +-----------+        |  ^     |
///                      |      |           |        |  |     |
///                      |      | Confirmed |        |  +-----+
///                      |      |           |        |  2xx from TU
///        Timer H fires |      +-----------+        |  send response
///        inform TU     |          |                |
///                      |          | Timer I fires  |
///                      |          | -              | Timer L fires
///                      |          V                | -
///                      |        +------------+     |
///                      |        |            |<----+
///                      +------->| Terminated |
///                               |            |
///                               +------------+
/// ```
///
/// Follows §17.2.1 (100 Trying on creation, Timer G doubling from T1 up to T2 on unreliable
/// transports, Timer H for the ACK, Timer I absorbing ACK retransmissions) and RFC 6026 §7.1:
/// a 2xx from the TU moves to Accepted, where retransmitted INVITEs are absorbed, further 2xx
/// from the TU (its own retransmissions, §13.3.1.4) are sent, ACKs go to the TU, and Timer L
/// (64·T1) ends it. Transport errors are reported to the TU without a change of state in
/// Proceeding, Completed and Accepted, as RFC 6026's figure draws them.
///
/// Choices where the RFCs leave room:
/// - The 100 (Trying) is sent at once unless the TU said at ``start(now:sendTrying:)`` that it
///   will answer within 200 ms; no 200 ms timer is kept.
/// - Timer H reports a `.timeout` failure to the TU (§17.2.1 text: "MUST indicate to the TU that
///   a transaction failure has occurred"), though RFC 6026's figure labels the arrow "-".
/// - An INVITE retransmission in Proceeding before any response was sent is absorbed.
/// - Responses from the TU that the state does not allow (a second final, a 1xx after the final)
///   are discarded and produce no action (§17.2.1: the transaction is the only place that knows).
/// - Status codes outside 100–699 from the TU are discarded.
package struct ServerInviteTransaction: Hashable, Sendable {
    /// The states of RFC 6026 figure 7.
    package enum State: Hashable, Sendable {
        case proceeding, completed, confirmed, accepted, terminated
    }

    /// The current state.
    package private(set) var state: State = .proceeding

    /// Whether the transport is reliable (TCP, TLS): no Timer G, Timer I is zero.
    package let isReliable: Bool

    /// The timer values.
    package let configuration: TransactionTimerConfiguration

    /// How many times a response was passed to the transport again by this transaction (INVITE
    /// retransmissions answered and Timer G).
    package private(set) var responseRetransmissionCount = 0

    private var started = false
    private var hasSentResponse = false
    private var timerGInterval: TimeAmount
    private var pending: PendingTimers = []

    /// Creates the transaction for a received INVITE; ``start(now:sendTrying:)`` hands it on.
    package init(isReliable: Bool, configuration: TransactionTimerConfiguration = .init()) {
        self.isReliable = isReliable
        self.configuration = configuration
        self.timerGInterval = configuration.timerG
    }

    /// The INVITE that created the transaction: pass it to the TU and, unless the TU will answer
    /// within 200 ms, send 100 (Trying) to quench retransmissions. A second call does nothing.
    package mutating func start(now: NIODeadline, sendTrying: Bool = true) -> TransactionActions {
        var actions = TransactionActions()
        guard !started else { return actions }
        started = true
        actions.append(.passRequest)
        if sendTrying {
            hasSentResponse = true
            actions.append(.sendTrying)
        }
        return actions
    }

    /// A retransmission of the INVITE arrived.
    package mutating func requestRetransmissionReceived(now: NIODeadline) -> TransactionActions {
        var actions = TransactionActions()
        switch state {
        case .proceeding where hasSentResponse, .completed:
            responseRetransmissionCount += 1
            actions.append(.retransmitResponse)
        case .proceeding, .confirmed, .accepted, .terminated:
            // Accepted: RFC 6026 §7.1 absorbs them; the TU retransmits its 2xx on its own.
            break
        }
        return actions
    }

    /// The TU passes a response with this status code.
    package mutating func tuSendsResponse(statusCode: Int, now: NIODeadline) -> TransactionActions {
        var actions = TransactionActions()
        guard let responseClass = ResponseClass(statusCode: statusCode) else { return actions }
        switch (state, responseClass) {
        case (.proceeding, .provisional):
            hasSentResponse = true
            actions.append(.sendResponse(statusCode: statusCode))
        case (.proceeding, .success):
            hasSentResponse = true
            state = .accepted
            actions.append(.sendResponse(statusCode: statusCode))
            pending.schedule(.l, at: now + configuration.timerL, into: &actions)
        case (.accepted, .success):
            actions.append(.sendResponse(statusCode: statusCode))
        case (.proceeding, .failure):
            hasSentResponse = true
            state = .completed
            actions.append(.sendResponse(statusCode: statusCode))
            if !isReliable {
                pending.schedule(.g, at: now + timerGInterval, into: &actions)
            }
            pending.schedule(.h, at: now + configuration.timerH, into: &actions)
        default:
            break
        }
        return actions
    }

    /// An ACK matching this transaction (§17.2.3: same branch, method INVITE) arrived.
    package mutating func ackReceived(now: NIODeadline) -> TransactionActions {
        var actions = TransactionActions()
        switch state {
        case .completed:
            state = .confirmed
            pending.cancel(.g, into: &actions)
            pending.cancel(.h, into: &actions)
            let timerI = configuration.timerI(isReliable: isReliable)
            if timerI > .zero {
                pending.schedule(.i, at: now + timerI, into: &actions)
            } else {
                terminate(reporting: nil, into: &actions)
            }
        case .accepted:
            // RFC 6026 §7.1: the ACK for the 2xx belongs to the TU.
            actions.append(.passRequest)
        case .proceeding, .confirmed, .terminated:
            break
        }
        return actions
    }

    /// A timer the machine scheduled has fired.
    package mutating func timerFired(_ timer: TransactionTimer, now: NIODeadline) -> TransactionActions {
        var actions = TransactionActions()
        guard pending.fire(timer) else { return actions }
        switch (state, timer) {
        case (.completed, .g):
            responseRetransmissionCount += 1
            actions.append(.retransmitResponse)
            timerGInterval = min(timerGInterval + timerGInterval, configuration.t2)
            pending.schedule(.g, at: now + timerGInterval, into: &actions)
        case (.completed, .h):
            terminate(reporting: .timeout, into: &actions)
        case (.confirmed, .i), (.accepted, .l):
            terminate(reporting: nil, into: &actions)
        default:
            break
        }
        return actions
    }

    /// The transport failed to send a response of this transaction.
    package mutating func transportError(now: NIODeadline) -> TransactionActions {
        var actions = TransactionActions()
        switch state {
        case .proceeding, .completed, .accepted:
            actions.append(.reportFailure(.transportError))
        case .confirmed, .terminated:
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
