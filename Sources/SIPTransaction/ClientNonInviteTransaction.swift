import NIOCore

/// The non-INVITE client transaction of RFC 3261 §17.1.2 (figure 6), as a value: events in,
/// actions out, time as an input. CANCEL is one of these (§9.1).
///
/// ```
///                                |Request from TU
///                                |send request
///            Timer E             V
///            send request  +-----------+
///                +---------|           |-------------------+
///                |         |  Trying   |  Timer F          |
///                +-------->|           |  or Transport Err.|
///                          +-----------+  inform TU        |
///             200-699         |  |                         |
///             resp. to TU     |  |1xx                      |
///             +---------------+  |resp. to TU              |
///             |                  |                         |
///             |   Timer E        V       Timer F           |
///             |   send req +-----------+ or Transport Err. |
///             |  +---------|           | inform TU         |
///             |  |         |Proceeding |------------------>|
///             |  +-------->|           |-----+             |
///             |            +-----------+     |1xx          |
///             |              |      ^        |resp to TU   |
///             | 200-699      |      +--------+             |
///             | resp. to TU  |                             |
///             |              |                             |
///             |              V                             |
///             |            +-----------+                   |
///             |            |           |                   |
///             |            | Completed |                   |
///             |            |           |                   |
///             |            +-----------+                   |
///             |              ^   |                         |
///             |              |   | Timer K                 |
///             +--------------+   | -                       |
///                                |                         |
///                                V                         |
///                          +-----------+                   |
///                          |           |                   |
///                          | Terminated|<------------------+
///                          |           |
///                          +-----------+
/// ```
///
/// Follows §17.1.2.2: Timer E doubles from T1 up to T2 in Trying and is T2 in Proceeding
/// (unreliable transports only); Timer F ends the transaction; Timer K (T4 unreliable, zero
/// reliable) absorbs retransmitted final responses in Completed.
///
/// Deviations, each on purpose:
/// - Timer F is min(64·T1, `transactionTimeout`), 4 s by default instead of 32 s, so that a silent
///   site is given up quickly. The cap is for "no response at all": when the first provisional
///   response arrives in Trying, Timer F is moved out to 64·T1 after the start, as RFC 3261 has it,
///   because a server that answered 1xx is alive and the request is merely slow.
/// - A transport error in Completed is ignored: nothing is sent there, and the TU already has
///   the final response.
/// - Status codes outside 100–699 are ignored.
package struct ClientNonInviteTransaction: Hashable, Sendable {
    /// The states of figure 6.
    package enum State: Hashable, Sendable {
        case trying, proceeding, completed, terminated
    }

    /// The current state.
    package private(set) var state: State = .trying

    /// Whether the transport is reliable (TCP, TLS): no retransmissions, Timer K is zero.
    package let isReliable: Bool

    /// The timer values.
    package let configuration: TransactionTimerConfiguration

    /// How many times the request went to the transport, the first transmission included.
    package private(set) var transmissionCount = 0

    /// How many of those were retransmissions.
    package var retransmissionCount: Int { max(0, transmissionCount - 1) }

    private var timerEInterval: TimeAmount
    private var startedAt: NIODeadline = .uptimeNanoseconds(0)
    private var pending: PendingTimers = []

    /// Creates the transaction in Trying; nothing is sent until ``start(now:)``.
    package init(isReliable: Bool, configuration: TransactionTimerConfiguration = .init()) {
        self.isReliable = isReliable
        self.configuration = configuration
        self.timerEInterval = configuration.timerE
    }

    /// The TU hands over the request: send it, arm Timer E (unreliable only) and Timer F.
    /// A second call does nothing.
    package mutating func start(now: NIODeadline) -> TransactionActions {
        var actions = TransactionActions()
        guard state == .trying, transmissionCount == 0 else { return actions }
        transmissionCount = 1
        startedAt = now
        actions.append(.transmitRequest(attempt: 1))
        if !isReliable {
            pending.schedule(.e, at: now + timerEInterval, into: &actions)
        }
        pending.schedule(.f, at: now + configuration.timerF, into: &actions)
        return actions
    }

    /// A timer the machine scheduled has fired.
    package mutating func timerFired(_ timer: TransactionTimer, now: NIODeadline) -> TransactionActions {
        var actions = TransactionActions()
        guard pending.fire(timer) else { return actions }
        switch (state, timer) {
        case (.trying, .e), (.proceeding, .e):
            transmissionCount += 1
            actions.append(.transmitRequest(attempt: transmissionCount))
            // §17.1.2.2: min(2·E, T2) in Trying; T2 once a provisional response arrived.
            timerEInterval =
                state == .trying ? min(timerEInterval + timerEInterval, configuration.t2) : configuration.t2
            pending.schedule(.e, at: now + timerEInterval, into: &actions)
        case (.trying, .f), (.proceeding, .f):
            terminate(reporting: .timeout, into: &actions)
        case (.completed, .k):
            terminate(reporting: nil, into: &actions)
        default:
            break
        }
        return actions
    }

    /// A response matching this transaction (§17.1.3) arrived with this status code.
    package mutating func responseReceived(statusCode: Int, now: NIODeadline) -> TransactionActions {
        var actions = TransactionActions()
        guard let responseClass = ResponseClass(statusCode: statusCode) else { return actions }
        switch (state, responseClass) {
        case (.trying, .provisional):
            state = .proceeding
            actions.append(.passResponse(statusCode: statusCode))
            // The `transactionTimeout` cap is for silence; a 1xx restores the RFC's 64·T1.
            let rfcDeadline = startedAt + configuration.sixtyFourT1
            if configuration.timerF < configuration.sixtyFourT1, rfcDeadline > now {
                pending.schedule(.f, at: rfcDeadline, into: &actions)
            }
        case (.proceeding, .provisional):
            actions.append(.passResponse(statusCode: statusCode))
        case (.trying, .success), (.trying, .failure), (.proceeding, .success), (.proceeding, .failure):
            state = .completed
            pending.cancel(.e, into: &actions)
            pending.cancel(.f, into: &actions)
            actions.append(.passResponse(statusCode: statusCode))
            let timerK = configuration.timerK(isReliable: isReliable)
            if timerK > .zero {
                pending.schedule(.k, at: now + timerK, into: &actions)
            } else {
                terminate(reporting: nil, into: &actions)
            }
        default:
            // Completed absorbs retransmitted responses (§17.1.2.2).
            break
        }
        return actions
    }

    /// The transport failed to send the request, or lost the flow it used.
    package mutating func transportError(now: NIODeadline) -> TransactionActions {
        var actions = TransactionActions()
        switch state {
        case .trying, .proceeding:
            terminate(reporting: .transportError, into: &actions)
        case .completed, .terminated:
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
