import NIOCore

/// The timer values of RFC 3261 §17 (table 4 in appendix A) and RFC 6026 §7, plus the SDK's
/// `sip_transaction_timeout` (`policy/endpoint`: how long a client transaction waits for any response).
///
/// The stored fields are the inputs; Timers A–M are derived from them so that changing T1 moves
/// every timer that the RFCs define as a multiple of T1. Timers that the RFCs set to zero on a
/// reliable transport take `isReliable`.
///
/// Deviation from RFC 3261: Timer B and Timer F are capped by ``transactionTimeout`` (default
/// 4000 ms instead of 64·T1 = 32 s). The cap is meant for "no response at all": the machines drop
/// it once a provisional response shows that the server is alive (see ``ClientInviteTransaction``
/// and ``ClientNonInviteTransaction``). Set it to 64·T1 or more for plain RFC 3261 behaviour.
package struct TransactionTimerConfiguration: Hashable, Sendable {
    /// T1, the round-trip time estimate (§17.1.1.1); the first retransmission interval of Timers
    /// A, E and G, and the unit of 64·T1. Default: 500 ms.
    package var t1: TimeAmount

    /// T2, the longest retransmission interval for non-INVITE requests and INVITE responses
    /// (§17.1.2.2); caps the doubling of Timers E and G. Default: 4 s.
    package var t2: TimeAmount

    /// T4, the longest time a message stays in the network (§17.1.2.2); the value of Timers I
    /// and K on unreliable transports. Default: 5 s.
    package var t4: TimeAmount

    /// `sip_transaction_timeout`: how long a client transaction waits for any response at all
    /// before it ends as a local timeout; caps Timer B and Timer F. Default: 4000 ms.
    package var transactionTimeout: TimeAmount

    /// Timer D on unreliable transports: how long a client INVITE transaction absorbs retransmitted
    /// 3xx–6xx responses ("at least 32 seconds", §17.1.1.2); zero on reliable ones. Default: 32 s.
    package var timerDUnreliable: TimeAmount

    /// The T1 this transaction's request retransmissions start from (Timers A and E), when it
    /// differs from ``t1``: the per-target T1 that ``AdaptiveTimerPolicy`` derives from the
    /// target's round-trip time. Only the retransmission interval moves; every lifetime defined
    /// as 64·T1 keeps ``t1``. Default: nil (``t1``).
    package var retransmissionT1: TimeAmount?

    /// Creates a configuration; every argument defaults to the value documented on its field.
    package init(
        t1: TimeAmount = .milliseconds(500),
        t2: TimeAmount = .seconds(4),
        t4: TimeAmount = .seconds(5),
        transactionTimeout: TimeAmount = .milliseconds(4000),
        timerDUnreliable: TimeAmount = .seconds(32)
    ) {
        self.t1 = t1
        self.t2 = t2
        self.t4 = t4
        self.transactionTimeout = transactionTimeout
        self.timerDUnreliable = timerDUnreliable
    }

    /// 64·T1, the RFC's transaction lifetime unit. Default: 32 s.
    package var sixtyFourT1: TimeAmount { 64 * t1 }

    /// Timer A's first interval (INVITE retransmission, unreliable only; doubles without cap,
    /// §17.1.1.2): ``retransmissionT1`` if set, else T1. Default: 500 ms.
    package var timerA: TimeAmount { retransmissionT1 ?? t1 }

    /// Timer B (INVITE transaction timeout, §17.1.1.2): min(64·T1, ``transactionTimeout``).
    /// Default: 4 s.
    package var timerB: TimeAmount { min(sixtyFourT1, transactionTimeout) }

    /// Timer D (wait for response retransmissions, §17.1.1.2). Default: 32 s unreliable, 0 reliable.
    package func timerD(isReliable: Bool) -> TimeAmount { isReliable ? .zero : timerDUnreliable }

    /// Timer E's first interval (non-INVITE retransmission, unreliable only; doubles up to T2,
    /// §17.1.2.2): ``retransmissionT1`` if set, else T1. Default: 500 ms.
    package var timerE: TimeAmount { retransmissionT1 ?? t1 }

    /// Timer F (non-INVITE transaction timeout, §17.1.2.2): min(64·T1, ``transactionTimeout``).
    /// Default: 4 s.
    package var timerF: TimeAmount { min(sixtyFourT1, transactionTimeout) }

    /// Timer G's first interval (INVITE response retransmission, unreliable only; doubles up to
    /// T2, §17.2.1). Default: 500 ms.
    package var timerG: TimeAmount { t1 }

    /// Timer H (wait for ACK, §17.2.1): 64·T1 on every transport. Default: 32 s.
    package var timerH: TimeAmount { sixtyFourT1 }

    /// Timer I (absorb ACK retransmissions, §17.2.1). Default: T4 = 5 s unreliable, 0 reliable.
    package func timerI(isReliable: Bool) -> TimeAmount { isReliable ? .zero : t4 }

    /// Timer J (absorb non-INVITE request retransmissions, §17.2.2). Default: 64·T1 = 32 s
    /// unreliable, 0 reliable.
    package func timerJ(isReliable: Bool) -> TimeAmount { isReliable ? .zero : sixtyFourT1 }

    /// Timer K (absorb response retransmissions, §17.1.2.2). Default: T4 = 5 s unreliable,
    /// 0 reliable.
    package func timerK(isReliable: Bool) -> TimeAmount { isReliable ? .zero : t4 }

    /// Timer L (server INVITE in Accepted, RFC 6026 §7.1): 64·T1 on every transport. Default: 32 s.
    package var timerL: TimeAmount { sixtyFourT1 }

    /// Timer M (client INVITE in Accepted, RFC 6026 §7.2): 64·T1 on every transport. Default: 32 s.
    package var timerM: TimeAmount { sixtyFourT1 }
}
