import NIOCore

/// CRLF keep-alive of one TCP/TLS flow we opened (RFC 5626 §4.4.1), as a value: events in, actions
/// out, time as an input. The connection handler drives it with one timer.
///
///                start
///                  │  arm(now + interval)
///                  ▼
///          ┌─► waitingToPing ── timer ──► awaitingPong ── timer (no pong) ──► failed
///          │                   send CRLFCRLF     │        report the flow as failed
///          │                   arm(now + timeout)│
///          └──────── pong (CRLF): arm(now + interval)
///
/// §4.4.1: "the client sends a double-CRLF (the 'ping') then waits to receive a single CRLF (the
/// 'pong'). If the client does not receive a pong within an appropriate amount of time, it considers
/// the flow failed." The RFC suggests 10 s for that timeout.
struct SIPKeepAliveStateMachine {
    enum State: Equatable {
        case stopped
        case waitingToPing(due: NIODeadline)
        case awaitingPong(deadline: NIODeadline)
        case failed
    }

    enum Action: Equatable {
        /// Nothing to do (a stale timer, an unsolicited pong).
        case none
        /// Call ``timerFired(now:)`` at this time, replacing any timer set before.
        case armTimer(NIODeadline)
        /// Write CRLFCRLF, and call ``timerFired(now:)`` at the deadline unless a pong comes first.
        case sendPing(pongDeadline: NIODeadline)
        /// No pong in time: the flow is dead; report it upward and close the connection.
        case reportFailure(waited: TimeAmount)
    }

    let interval: TimeAmount
    let pongTimeout: TimeAmount
    private(set) var state: State = .stopped

    init(interval: TimeAmount, pongTimeout: TimeAmount) {
        self.interval = interval
        self.pongTimeout = pongTimeout
    }

    /// The flow is up (TCP connected, TLS handshake done).
    mutating func start(now: NIODeadline) -> Action {
        guard case .stopped = state else { return .none }
        let due = now + interval
        state = .waitingToPing(due: due)
        return .armTimer(due)
    }

    mutating func timerFired(now: NIODeadline) -> Action {
        switch state {
        case .waitingToPing(let due):
            guard now >= due else { return .armTimer(due) }
            let deadline = now + pongTimeout
            state = .awaitingPong(deadline: deadline)
            return .sendPing(pongDeadline: deadline)
        case .awaitingPong(let deadline):
            guard now >= deadline else { return .armTimer(deadline) }
            state = .failed
            return .reportFailure(waited: pongTimeout)
        case .stopped, .failed:
            return .none
        }
    }

    /// A CRLF arrived. Only a pong we are waiting for restarts the interval; the peer may send others.
    mutating func pongReceived(now: NIODeadline) -> Action {
        guard case .awaitingPong = state else { return .none }
        let due = now + interval
        state = .waitingToPing(due: due)
        return .armTimer(due)
    }

    /// The connection closed for another reason; no more timers.
    mutating func stop() {
        state = .stopped
    }
}
