import Foundation

/// A session's status, with the Genesys SDK's names.
public enum SessionStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// Dialling: an INVITE is out (through one connection after another if they fail).
    case inProgress
    /// Ringing: an incoming call waiting to be answered, or an outgoing one the far end rings.
    case alerting
    /// Answered, media flowing both ways.
    case connected
    /// On hold (by us or by the far end).
    case held
    /// Over.
    case disconnected
}

/// Why a session's status changed.
public struct SessionReason: Sendable, Hashable, CustomStringConvertible {
    /// The class of cause, for code that branches on why a call changed without parsing ``SessionReason/text``.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Dialling, ringing, answering, holding, retrieving: the call's normal course.
        case normal
        /// The local user ended it (hang-up, cancel, reject).
        case localHangUp
        /// The far end ended it (BYE, CANCEL).
        case remoteHangUp
        /// A SIP failure: a final response (486, 603, …) or, when the site died, 408 "Request Timeout"
        /// (so the application can tell a site failure from a normal hang-up).
        case sipError
        /// The call stopped receiving RTP for `rtp_inactivity_timeout` (the media path of a dead site, a
        /// peer gone without a BYE); we hung up.
        case mediaTimeout
    }

    /// The class of cause: the call's normal course, a hang-up by either side, a SIP error, a media timeout.
    public var kind: Kind
    /// The SIP status code when a response caused the change: 180 when ringing, 200 when answered, the
    /// final response of a failed dial or call (486, 603, …), 408 when the call's site died. nil when no
    /// response did (a hang-up by either side, hold or retrieve, a media timeout).
    public var statusCode: Int?
    /// The reason phrase that goes with ``statusCode`` ("Busy Here"); nil when there is no status code.
    public var reasonPhrase: String?
    /// Text for people and logs: "486 Busy Here", "hung up", "the other party hung up", "held", …
    /// Not a stable format; branch on ``kind`` and ``statusCode`` instead.
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

    static func response(_ code: Int, _ phrase: String) -> SessionReason {
        SessionReason(
            kind: code >= 300 ? .sipError : .normal, statusCode: code, reasonPhrase: phrase, text: "\(code) \(phrase)")
    }
}

/// Raised for every status change of a session.
public struct SessionStatusChanged: Sendable, Hashable {
    /// The session that changed: its ``Session/id``.
    public var sessionId: String
    /// The connection the session uses now (it changes when a dial fails over).
    public var connectionId: Int
    /// The agent's DN: the line the session belongs to (every connection it may use shares it).
    public var user: String
    /// The status before the change. A session's first event, when a dial starts or a call comes in, has
    /// `disconnected` here.
    public var previousStatus: SessionStatus
    /// The status after the change; `disconnected` is the last event of the session.
    public var status: SessionStatus
    /// Why the status changed.
    public var reason: SessionReason
    /// When the SDK made the change (wall clock).
    public var time: Date
    /// On the change to `disconnected` of a call that carried media: its final figures.
    public var mediaStatistics: MediaStatistics?
}

/// Raised for each DTMF digit the far end sends (RFC 4733 in RTP, or SIP INFO).
public struct SessionDTMFReceived: Sendable, Hashable {
    /// How the digit arrived. `dtmf_method` chooses only how digits are sent; both methods are received.
    public enum Method: String, Sendable, Hashable, Codable {
        /// RFC 4733 telephone-event ("rfc2833").
        case rfc2833
        /// SIP INFO, `application/dtmf-relay`.
        case info
    }

    /// The session whose far end sent the digit: its ``Session/id``.
    public var sessionId: String
    /// 0–9, *, #, A–D.
    public var digit: Character
    /// How the digit arrived: RFC 4733 in RTP (reported once per digit, however many packets repeat it)
    /// or a SIP INFO request.
    public var method: Method
    /// When the SDK received the digit (wall clock).
    public var time: Date
}

/// Raised when a dial moves from one connection to another; the session keeps its identity.
public struct SessionFailedOver: Sendable, Hashable {
    /// The dialling session: its ``Session/id``, the same before and after the move.
    public var sessionId: String
    /// The agent's DN (the failover stays within this line).
    public var user: String
    /// The connection whose attempt was given up.
    public var fromConnectionId: Int
    /// The connection the next attempt goes through; the session's ``Session/connectionId`` from now on.
    public var toConnectionId: Int
    /// Why the attempt was given up: "408 Request Timeout (no response)", "503 Service Unavailable",
    /// "connection not ready", …
    public var cause: String
    /// When the dial moved (wall clock).
    public var time: Date
    /// The cause as a bounded word for metrics labels (``DialFailoverMachine/Cause/metricLabel``):
    /// "408", "503", "504", "no_response", "transport", "not_ready"; "other" when not given.
    package var causeLabel: String = "other"
}

/// Raised once when the connection of a connected or held call fails (its site stopped answering
/// registration, keep-alive or probes). The call is not ended: its media path often survives a
/// signalling site, so it stays up while media flows and ends with sipError 408 once media stops
/// (`rtp_inactivity_timeout`) or a session refresh fails while media is silent.
public struct SessionSignalingLost: Sendable, Hashable {
    /// The call that lost its signalling path: its ``Session/id``.
    public var sessionId: String
    /// The connection whose failure took the call's signalling path.
    public var connectionId: Int
    /// The agent's DN: the line the session belongs to.
    public var user: String
    /// Why the connection failed, as its own `failed` status change says.
    public var reason: String
    /// When the SDK saw the connection fail (wall clock).
    public var time: Date
}

/// Everything a session reports.
public enum SessionEvent: Sendable, Hashable {
    /// The session's status changed (see ``SessionStatusChanged``); reported for every change, the change
    /// to `disconnected` last.
    case statusChanged(SessionStatusChanged)
    /// A dial gave up one connection and goes on through another of the same line (see
    /// ``SessionFailedOver``); the session keeps its id.
    case failedOver(SessionFailedOver)
    /// The far end sent a DTMF digit (RFC 4733 in RTP, or SIP INFO).
    case dtmfReceived(SessionDTMFReceived)
    /// The call's connection failed while the call was up; the call stays up while media flows.
    case signalingLost(SessionSignalingLost)
    /// The subscriber fell more than its buffer (1024 events) behind: the `count` events that came after
    /// the element it read last and before the next one were lost (for ``CallControl/events``, events of
    /// any session). Read ``Session/snapshot`` or ``CallControl/sessions`` for the state now.
    case dropped(count: Int)

    /// The session the event is about; nil for a ``dropped(count:)`` marker.
    public var sessionId: String? {
        switch self {
        case .statusChanged(let e): e.sessionId
        case .failedOver(let e): e.sessionId
        case .dtmfReceived(let e): e.sessionId
        case .signalingLost(let e): e.sessionId
        case .dropped: nil
        }
    }
}
