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

    public var kind: Kind
    public var statusCode: Int?
    public var reasonPhrase: String?
    public var text: String

    public init(kind: Kind, statusCode: Int? = nil, reasonPhrase: String? = nil, text: String) {
        self.kind = kind
        self.statusCode = statusCode
        self.reasonPhrase = reasonPhrase
        self.text = text
    }

    public var description: String { text }

    static func response(_ code: Int, _ phrase: String) -> SessionReason {
        SessionReason(kind: code >= 300 ? .sipError : .normal, statusCode: code, reasonPhrase: phrase, text: "\(code) \(phrase)")
    }
}

/// Raised for every status change of a session.
public struct SessionStatusChanged: Sendable, Hashable {
    public var sessionId: String
    /// The connection the session uses now (it changes when a dial fails over).
    public var connectionId: Int
    /// The agent's DN: the line the session belongs to (every connection it may use shares it).
    public var user: String
    public var previousStatus: SessionStatus
    public var status: SessionStatus
    public var reason: SessionReason
    public var time: Date
    /// On the change to `disconnected` of a call that carried media: its final figures.
    public var mediaStatistics: MediaStatistics?
}

/// Raised for each DTMF digit the far end sends (RFC 4733 in RTP, or SIP INFO).
public struct SessionDTMFReceived: Sendable, Hashable {
    public enum Method: String, Sendable, Hashable, Codable {
        /// RFC 4733 telephone-event ("rfc2833").
        case rfc2833
        /// SIP INFO, `application/dtmf-relay`.
        case info
    }

    public var sessionId: String
    /// 0–9, *, #, A–D.
    public var digit: Character
    public var method: Method
    public var time: Date
}

/// Raised when a dial moves from one connection to another; the session keeps its identity.
public struct SessionFailedOver: Sendable, Hashable {
    public var sessionId: String
    /// The agent's DN (the failover stays within this line).
    public var user: String
    public var fromConnectionId: Int
    public var toConnectionId: Int
    /// "408 Request Timeout (no response)", "503 Service Unavailable", "connection not ready", …
    public var cause: String
    public var time: Date
}

/// Raised once when the connection of a connected or held call fails (its site stopped answering
/// registration, keep-alive or probes). The call is not ended: its media path often survives a
/// signalling site, so it stays up while media flows and ends with sipError 408 once media stops
/// (`rtp_inactivity_timeout`) or a session refresh fails while media is silent.
public struct SessionSignalingLost: Sendable, Hashable {
    public var sessionId: String
    /// The connection whose failure took the call's signalling path.
    public var connectionId: Int
    /// The agent's DN: the line the session belongs to.
    public var user: String
    /// Why the connection failed, as its own `failed` status change says.
    public var reason: String
    public var time: Date
}

/// Everything a session reports.
public enum SessionEvent: Sendable, Hashable {
    case statusChanged(SessionStatusChanged)
    case failedOver(SessionFailedOver)
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
