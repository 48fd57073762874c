import NIOCore

/// The INVITE client transaction of RFC 3261 §17.1.1 as amended by RFC 6026 §7.2 (the Accepted
/// state), as a value: events in, actions out, time as an input.
///
/// ```
///                                |INVITE from TU
///              Timer A fires     |INVITE sent        Timer B fires
///              Reset A,          V                   or Transport Err.
///              INVITE sent +-----------+             inform TU
///                +---------|           |-----------------------------+
///                |         |  Calling  |                             |
///                +-------->|           |--------------+              |
///                          +-----------+ 2xx          |              |
///                             |  |       2xx to TU    |              |
///              300-699        |  |1xx                 |              |
///              ACK sent       |  |1xx to TU           |              |
///              resp. to TU    |  |                    |              |
///          +------------------+  |                    |              |
///          |     1xx             V                    |              |
///          |     1xx to TU +-----------+              | Transport    |
///          |     +---------|           |              | Err. (*)     |
///          |     |         |Proceeding |--------------|------------->|
///          |     +-------->|           |              | inform TU    |
///          |               +-----------+ 2xx          |              |
///          |   300-699        |    |     2xx to TU    |              |
///          |   ACK sent,      |    +----------------->|              |
///          |   resp. to TU    |                       |              |
///          V                  V                       V              |
///    +-------------------------+               +-----------+         |
///    |                         |<-+ 300-699    |           |<-+ 2xx  |
///    |        Completed        |  | ACK sent   | Accepted  |  | 2xx  |
///    |                         |--+            |           |--+ to TU|
///    +-------------------------+               +-----------+         |
///                |  Timer D fires                    |  Timer M      |
///                |  or Transport Err. (*)            |  fires        |
///                |  -                                |  -            |
///                V                                   V               |
///    +-----------------------------------------------------------+   |
///    |                         Terminated                        |<--+
///    +-----------------------------------------------------------+
///
///    (*) differs from the RFCs' figure 5 (none from Proceeding; "inform TU" from
///        Completed); see the deviations below.
/// ```
///
/// Follows §17.1.1.2 (timers A, B, D), §17.1.1.3 (the ACK for 3xx–6xx is built by the
/// transaction; the ACK for a 2xx is the TU's) and RFC 6026 §7.2 (a 2xx moves to Accepted, where
/// retransmitted and forked 2xx still reach the TU until Timer M fires).
///
/// Deviations, each on purpose:
/// - Timer B is min(64·T1, `transactionTimeout`), 4 s by default instead of 32 s, so that a
///   silent site is given up quickly. The cap is for "no response at all":
///   like RFC 3261, Timer B runs only in Calling and is cancelled by the first provisional
///   response; from then on the transaction waits for the final response without a timer, and
///   how long to let a call ring is the TU's policy (it sends CANCEL, its own non-INVITE
///   transaction).
/// - A transport error in Proceeding ends the transaction with a local 503. Figure 5 has no such
///   arrow because nothing is sent in Proceeding, but the driver also reports a lost flow
///   (closed TCP/TLS connection, RFC 5626 keep-alive failure) and, without Timer B, the
///   transaction would otherwise wait for ever.
/// - A transport error in Completed (the ACK could not be sent) ends the transaction without a
///   report: the TU already holds the final response, and a synthetic 503 after it would
///   contradict it (and could trigger a failover of a call the far end refused).
/// - In Accepted, a transport error is ignored (Timer M ends the transaction) and 1xx or 3xx–6xx
///   are absorbed: after a 2xx only further 2xx matter (RFC 6026 §7.2).
/// - Status codes outside 100–699 are ignored.
package struct ClientInviteTransaction: Hashable, Sendable {
    /// The states of figure 5 with RFC 6026's Accepted.
    package enum State: Hashable, Sendable {
        case calling, proceeding, accepted, completed, terminated
    }

    /// The current state.
    package private(set) var state: State = .calling

    /// Whether the transport is reliable (TCP, TLS): no retransmissions, Timer D is zero.
    package let isReliable: Bool

    /// The timer values.
    package let configuration: TransactionTimerConfiguration

    /// How many times the request went to the transport, the first transmission included.
    package private(set) var transmissionCount = 0

    /// How many of those were retransmissions.
    package var retransmissionCount: Int { max(0, transmissionCount - 1) }

    private var timerAInterval: TimeAmount
    private var pending: PendingTimers = []

    /// Creates the transaction in Calling; nothing is sent until ``start(now:)``.
    package init(isReliable: Bool, configuration: TransactionTimerConfiguration = .init()) {
        self.isReliable = isReliable
        self.configuration = configuration
        self.timerAInterval = configuration.timerA
    }

    /// The TU hands over the INVITE: send it, arm Timer A (unreliable only) and Timer B.
    /// A second call does nothing.
    package mutating func start(now: NIODeadline) -> TransactionActions {
        var actions = TransactionActions()
        guard state == .calling, transmissionCount == 0 else { return actions }
        transmissionCount = 1
        actions.append(.transmitRequest(attempt: 1))
        if !isReliable {
            pending.schedule(.a, at: now + timerAInterval, into: &actions)
        }
        pending.schedule(.b, at: now + configuration.timerB, into: &actions)
        return actions
    }

    /// A timer the machine scheduled has fired.
    package mutating func timerFired(_ timer: TransactionTimer, now: NIODeadline) -> TransactionActions {
        var actions = TransactionActions()
        guard pending.fire(timer) else { return actions }
        switch (state, timer) {
        case (.calling, .a):
            // §17.1.1.2: retransmit and double the interval, with no upper bound (unlike E and G).
            transmissionCount += 1
            actions.append(.transmitRequest(attempt: transmissionCount))
            timerAInterval = timerAInterval + timerAInterval
            pending.schedule(.a, at: now + timerAInterval, into: &actions)
        case (.calling, .b):
            terminate(reporting: .timeout, into: &actions)
        case (.completed, .d), (.accepted, .m):
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
        case (.calling, .provisional):
            state = .proceeding
            // §17.1.1.2: no retransmissions in Proceeding; Timer B only matters in Calling.
            pending.cancel(.a, into: &actions)
            pending.cancel(.b, into: &actions)
            actions.append(.passResponse(statusCode: statusCode))
        case (.proceeding, .provisional):
            actions.append(.passResponse(statusCode: statusCode))
        case (.calling, .success), (.proceeding, .success):
            state = .accepted
            pending.cancel(.a, into: &actions)
            pending.cancel(.b, into: &actions)
            actions.append(.passResponse(statusCode: statusCode))
            pending.schedule(.m, at: now + configuration.timerM, into: &actions)
        case (.accepted, .success):
            // RFC 6026 §7.2: retransmitted or forked 2xx go to the TU, which ACKs each.
            actions.append(.passResponse(statusCode: statusCode))
        case (.calling, .failure), (.proceeding, .failure):
            state = .completed
            pending.cancel(.a, into: &actions)
            pending.cancel(.b, into: &actions)
            actions.append(.sendAck)
            actions.append(.passResponse(statusCode: statusCode))
            let timerD = configuration.timerD(isReliable: isReliable)
            if timerD > .zero {
                pending.schedule(.d, at: now + timerD, into: &actions)
            } else {
                terminate(reporting: nil, into: &actions)
            }
        case (.completed, .failure):
            // §17.1.1.2: a retransmitted final response is ACKed again but not passed up.
            actions.append(.sendAck)
        default:
            break
        }
        return actions
    }

    /// The TU gave up on the request (a dial's own no-response timer, RFC 3261 §9.1's "no longer
    /// wishes to complete the request"): no more retransmissions, but the transaction keeps
    /// listening in Calling until Timer B, so a late response still reaches the TU (which CANCELs
    /// a 1xx and ends a 2xx with ACK and BYE) and a late 3xx–6xx is still ACKed (§17.1.1.3).
    /// Outside Calling (or on a reliable transport, which never retransmits) it changes nothing.
    package mutating func stopRetransmitting(now: NIODeadline) -> TransactionActions {
        var actions = TransactionActions()
        guard state == .calling else { return actions }
        pending.cancel(.a, into: &actions)
        return actions
    }

    /// The transport failed to send a message of this transaction, or lost the flow it used.
    package mutating func transportError(now: NIODeadline) -> TransactionActions {
        var actions = TransactionActions()
        switch state {
        case .calling, .proceeding:
            terminate(reporting: .transportError, into: &actions)
        case .completed:
            terminate(reporting: nil, into: &actions)
        case .accepted, .terminated:
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
