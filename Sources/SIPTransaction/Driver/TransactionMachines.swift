import NIOCore

/// A client transaction of either kind, so the driver keeps one table.
enum ClientMachine {
    case invite(ClientInviteTransaction)
    case nonInvite(ClientNonInviteTransaction)

    init(isInvite: Bool, isReliable: Bool, configuration: TransactionTimerConfiguration) {
        self =
            isInvite
            ? .invite(ClientInviteTransaction(isReliable: isReliable, configuration: configuration))
            : .nonInvite(ClientNonInviteTransaction(isReliable: isReliable, configuration: configuration))
    }

    mutating func start(now: NIODeadline) -> TransactionActions {
        switch self {
        case .invite(var m):
            defer { self = .invite(m) }
            return m.start(now: now)
        case .nonInvite(var m):
            defer { self = .nonInvite(m) }
            return m.start(now: now)
        }
    }

    /// How many times the request went out (Karn's rule: only 1 gives a round-trip sample).
    var transmissionCount: Int {
        switch self {
        case .invite(let m): m.transmissionCount
        case .nonInvite(let m): m.transmissionCount
        }
    }

    mutating func timerFired(_ t: TransactionTimer, now: NIODeadline) -> TransactionActions {
        switch self {
        case .invite(var m):
            defer { self = .invite(m) }
            return m.timerFired(t, now: now)
        case .nonInvite(var m):
            defer { self = .nonInvite(m) }
            return m.timerFired(t, now: now)
        }
    }

    mutating func responseReceived(statusCode: Int, now: NIODeadline) -> TransactionActions {
        switch self {
        case .invite(var m):
            defer { self = .invite(m) }
            return m.responseReceived(statusCode: statusCode, now: now)
        case .nonInvite(var m):
            defer { self = .nonInvite(m) }
            return m.responseReceived(statusCode: statusCode, now: now)
        }
    }

    mutating func transportError(now: NIODeadline) -> TransactionActions {
        switch self {
        case .invite(var m):
            defer { self = .invite(m) }
            return m.transportError(now: now)
        case .nonInvite(var m):
            defer { self = .nonInvite(m) }
            return m.transportError(now: now)
        }
    }

    /// Only an INVITE client transaction stops retransmitting while it keeps listening.
    mutating func stopRetransmitting(now: NIODeadline) -> TransactionActions {
        guard case .invite(var m) = self else { return TransactionActions() }
        defer { self = .invite(m) }
        return m.stopRetransmitting(now: now)
    }
}

/// A server transaction of either kind.
enum ServerMachine {
    case invite(ServerInviteTransaction)
    case nonInvite(ServerNonInviteTransaction)

    init(isInvite: Bool, isReliable: Bool, configuration: TransactionTimerConfiguration) {
        self =
            isInvite
            ? .invite(ServerInviteTransaction(isReliable: isReliable, configuration: configuration))
            : .nonInvite(ServerNonInviteTransaction(isReliable: isReliable, configuration: configuration))
    }

    mutating func start(now: NIODeadline) -> TransactionActions {
        switch self {
        case .invite(var m):
            defer { self = .invite(m) }
            return m.start(now: now)
        case .nonInvite(var m):
            defer { self = .nonInvite(m) }
            return m.start(now: now)
        }
    }

    mutating func timerFired(_ t: TransactionTimer, now: NIODeadline) -> TransactionActions {
        switch self {
        case .invite(var m):
            defer { self = .invite(m) }
            return m.timerFired(t, now: now)
        case .nonInvite(var m):
            defer { self = .nonInvite(m) }
            return m.timerFired(t, now: now)
        }
    }

    mutating func requestRetransmissionReceived(now: NIODeadline) -> TransactionActions {
        switch self {
        case .invite(var m):
            defer { self = .invite(m) }
            return m.requestRetransmissionReceived(now: now)
        case .nonInvite(var m):
            defer { self = .nonInvite(m) }
            return m.requestRetransmissionReceived(now: now)
        }
    }

    mutating func tuSendsResponse(statusCode: Int, now: NIODeadline) -> TransactionActions {
        switch self {
        case .invite(var m):
            defer { self = .invite(m) }
            return m.tuSendsResponse(statusCode: statusCode, now: now)
        case .nonInvite(var m):
            defer { self = .nonInvite(m) }
            return m.tuSendsResponse(statusCode: statusCode, now: now)
        }
    }

    /// Only an INVITE server transaction takes an ACK; nil means "not ours".
    mutating func ackReceived(now: NIODeadline) -> TransactionActions? {
        guard case .invite(var m) = self else { return nil }
        defer { self = .invite(m) }
        return m.ackReceived(now: now)
    }

    mutating func transportError(now: NIODeadline) -> TransactionActions {
        switch self {
        case .invite(var m):
            defer { self = .invite(m) }
            return m.transportError(now: now)
        case .nonInvite(var m):
            defer { self = .nonInvite(m) }
            return m.transportError(now: now)
        }
    }
}
