import Foundation

/// A connection's status, with the Genesys SIP Endpoint SDK's names.
public enum ConnectionStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// The first REGISTER after start is out.
    case registering
    /// Registered and healthy: calls can go out and come in through this site.
    case ready
    /// The site failed; retries are scheduled (and probes watch for its return).
    case failed
    /// Disabled or removed; the un-REGISTER (Expires 0) is out.
    case unregistering
    /// Not started, disabled, or removed.
    case disabled
    /// Registered again after repeated failures, and held down (flap damping: `flap_window`,
    /// `flap_hold_down_max`): inbound calls reach it, but a dial uses it only when no other connection
    /// of its line is ready. It becomes `ready` once the site has been stable long enough, or `failed`
    /// if it fails again first (``ConnectionStatusChanged/heldDownUntil`` says when, unless it does).
    /// The first recovery after a single outage is `ready` at once, never this.
    case recovering
    /// Active/standby (`policy/failover/mode = active-standby`): not registered — the line's active
    /// connection holds its one registration — but its site answers the probes, so it can take the
    /// role (and a dial can go out through it) at once when the active one fails.
    case standby

    /// Registered and usable: `ready`, or `recovering` (held down, but it takes calls). The phone is
    /// `active` while one connection is.
    public var isRegistered: Bool { self == .ready || self == .recovering }
}

/// Why a connection's status changed.
public struct ConnectionStatusReason: Sendable, Hashable, CustomStringConvertible {
    /// The class of cause, for code that branches on why a connection changed without parsing its text.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The connection was started or enabled.
        case started
        /// The connection was disabled or removed.
        case stopped
        /// A final SIP response (see ``statusCode``, ``reasonPhrase``).
        case sipResponse
        /// The site rejected the credentials (a wrong user or password).
        case credentialsRejected
        /// A challenge the connection does not answer: a realm that is not its own (see
        /// `auth_realm`), no `qop=auth` while `require_qop` is set, or no password configured. The
        /// text says which.
        case challengeRefused
        /// No response within `sip_transaction_timeout`.
        case localTimeout
        /// The request could not be sent, or the TLS handshake failed.
        case transportError
        /// The TCP/TLS flow to the site broke (keep-alive unanswered, connection closed).
        case flowLost
        /// `options_failure_threshold` OPTIONS probes in a row failed.
        case probeFailed
        /// `reregister_in_seconds` is 0: the connection is watched by probes only.
        case registrationNotRequired
        /// The un-REGISTER was not answered in time.
        case unregisterTimedOut
        /// A 2xx that granted no lifetime to our Contact.
        case bindingNotGranted
        /// The site answers again after repeated recent failures: held down (``ConnectionStatus/recovering``).
        case flapDamped
        /// The site stayed up through the hold-down: `recovering` became `ready`.
        case holdDownEnded
        /// Active/standby: the line's registration moved to or away from this connection; the text
        /// says why (the active connection failed, failback, maintenance, a preferred connection).
        case roleChanged
    }

    /// The class of cause: start or stop, a SIP response, a timeout, a transport or probe failure, flap damping.
    public var kind: Kind
    /// The SIP status code of the final response behind the change (`sipResponse`, `credentialsRejected`,
    /// `challengeRefused`, and `flapDamped` when a response brought the site back); nil when none did.
    public var statusCode: Int?
    /// The reason phrase that goes with ``statusCode`` ("Service Unavailable"); nil when there is no status code.
    public var reasonPhrase: String?
    /// Text for people and logs: "200 OK", "local timeout", "transport error: connection refused", …
    public var text: String

    /// Makes a reason (the SDK makes its own; this is for tests and application code that replays events).
    /// - Parameters:
    ///   - kind: The class of cause.
    ///   - statusCode: The SIP status code behind the change. Default: nil (none).
    ///   - reasonPhrase: That response's reason phrase. Default: nil.
    ///   - text: The text for people and logs; also ``description``.
    public init(kind: Kind, statusCode: Int? = nil, reasonPhrase: String? = nil, text: String) {
        self.kind = kind
        self.statusCode = statusCode
        self.reasonPhrase = reasonPhrase
        self.text = text
    }

    public var description: String { text }
}

/// Raised for every status change of a connection.
public struct ConnectionStatusChanged: Sendable, Hashable {
    /// The connection that changed: its position in ``SipEndpointConfiguration/connections``.
    public var connectionId: Int
    /// The connection's DN (its line).
    public var user: String
    /// The server as configured (`host[:port]`).
    public var server: String
    /// The resolved target in use (`address:port`), when one has been chosen.
    public var target: String?
    /// The connection's transport (the one DNS chose, when the configuration named none).
    public var transport: SIPTransportKind
    /// The status before the change.
    public var previousStatus: ConnectionStatus
    /// The status after the change.
    public var status: ConnectionStatus
    /// Why the status changed.
    public var reason: ConnectionStatusReason
    /// When the SDK made the change (wall clock).
    public var time: Date
    /// When the next retry is due (failed connections).
    public var nextRetry: Date?
    /// When the hold-down ends (`recovering` connections): it becomes `ready` then unless it fails first.
    public var heldDownUntil: Date?
    /// When the site last answered this connection (a final response to its REGISTER, or an answer to
    /// an OPTIONS probe of the site); nil if it never has. For a change to `failed`, `time` minus this
    /// is how long the failure took to detect.
    public var lastAnswered: Date?

    /// Makes a status change (the SDK makes its own; this is for tests and application code that replays
    /// events). Each parameter sets the property of the same name; `target`, `nextRetry`, `heldDownUntil`
    /// and `lastAnswered` default to nil.
    public init(
        connectionId: Int, user: String, server: String, target: String? = nil, transport: SIPTransportKind,
        previousStatus: ConnectionStatus, status: ConnectionStatus, reason: ConnectionStatusReason, time: Date,
        nextRetry: Date? = nil, heldDownUntil: Date? = nil, lastAnswered: Date? = nil
    ) {
        self.heldDownUntil = heldDownUntil
        self.lastAnswered = lastAnswered
        self.connectionId = connectionId
        self.user = user
        self.server = server
        self.target = target
        self.transport = transport
        self.previousStatus = previousStatus
        self.status = status
        self.reason = reason
        self.time = time
        self.nextRetry = nextRetry
    }
}

/// The phone is `active` while at least one connection is ready or recovering.
public enum PhoneStatus: String, Sendable, Hashable, Codable {
    /// At least one connection is registered (`ready` or `recovering`): calls can go out and come in.
    case active
    /// No connection is registered: not started, stopped, or every connection failed or disabled.
    case inactive
}

/// Raised when the phone's aggregate status changes.
public struct PhoneStatusChanged: Sendable, Hashable {
    /// The status before the change.
    public var previousStatus: PhoneStatus
    /// The status after the change (always the other one: a change is reported only when it flips).
    public var status: PhoneStatus
    /// When the SDK made the change (wall clock).
    public var time: Date

    /// Makes a status change (the SDK makes its own; this is for tests and application code that replays
    /// events). Each parameter sets the property of the same name.
    public init(previousStatus: PhoneStatus, status: PhoneStatus, time: Date) {
        self.previousStatus = previousStatus
        self.status = status
        self.time = time
    }
}

/// What ``ConnectionManager/statusChanges`` delivers: every status change of every connection, or a
/// marker for changes this subscriber missed.
public enum ConnectionEvent: Sendable, Hashable {
    /// A connection's status changed (see ``ConnectionStatusChanged``); reported for every change.
    case statusChanged(ConnectionStatusChanged)
    /// The subscriber fell more than its buffer (1024 events) behind: the `count` status changes that
    /// came after the element it read last and before the next one were lost. Read
    /// ``ConnectionManager/connections`` for the state now.
    case dropped(count: Int)

    /// The status change, nil for a ``dropped(count:)`` marker.
    public var change: ConnectionStatusChanged? {
        if case .statusChanged(let change) = self { change } else { nil }
    }
}

/// What ``Phone/statusChanges`` delivers: the phone's aggregate status changes, or a marker for changes
/// this subscriber missed.
public enum PhoneEvent: Sendable, Hashable {
    /// The phone's status flipped between `active` and `inactive` (see ``PhoneStatusChanged``).
    case statusChanged(PhoneStatusChanged)
    /// The subscriber fell more than its buffer (1024 events) behind: the `count` changes that came after
    /// the element it read last and before the next one were lost. Read ``Phone/status`` for the state now.
    case dropped(count: Int)

    /// The status change, nil for a ``dropped(count:)`` marker.
    public var change: PhoneStatusChanged? {
        if case .statusChanged(let change) = self { change } else { nil }
    }
}
