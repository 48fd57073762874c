import NIOCore

/// The status of one connection, with the Genesys SIP Endpoint SDK's names.
package enum RegistrationStatus: String, Hashable, Sendable, CustomStringConvertible {
    /// The first REGISTER after start is out; nothing is known yet.
    case registering
    /// Registered (or, with a lifetime of 0, answering probes). Stays ready during refreshes.
    case ready
    /// The site failed; a retry is scheduled (see ``RegistrationStatusChange/nextRetryAt``).
    /// Stays failed while retries go out, until one succeeds.
    case failed
    /// Stopped; the un-REGISTER (Expires 0) is out.
    case unregistering
    /// Not started, or stopped.
    case disabled

    package var description: String { rawValue }
}

/// Why a request the machine asked for ended without a response.
package enum RequestFailure: Hashable, Sendable, CustomStringConvertible {
    /// The client transaction timed out (Timer F, capped by `sip_transaction_timeout`).
    case timeout
    /// The transport could not send it; the text is the transport's and names no credentials.
    case transportError(String)
    /// The server answered that it is unavailable (an OPTIONS answered 503): there, but not to be used.
    case unavailable(statusCode: Int, reasonPhrase: String)

    package var description: String {
        switch self {
        case .timeout: "local timeout"
        case .transportError(let detail): "transport error: \(detail)"
        case .unavailable(let code, let phrase): "\(code) \(phrase)"
        }
    }
}

/// Why the status changed: the `reason` of `ConnectionStatusChanged`.
package enum RegistrationReason: Hashable, Sendable, CustomStringConvertible {
    /// The connection was started (enabled).
    case started
    /// The connection was stopped (disabled or removed).
    case stopped
    /// `reregister_in_seconds` is 0: nothing to register, health comes from probes.
    case registrationNotRequired
    /// A final response from the server: "200 OK", "503 Service Unavailable", …
    case response(statusCode: Int, reasonPhrase: String)
    /// The server challenged credentials it had just been given with the same nonce, not stale:
    /// a wrong user name or password.
    case credentialsRejected(statusCode: Int, reasonPhrase: String)
    /// A 401/407 the connection does not answer (``DigestRealmPolicy``): a realm not its own, no
    /// `qop=auth` while `require_qop` is set, or no password configured.
    case challengeRefused(statusCode: Int, reasonPhrase: String, DigestRefusal)
    /// The request got no response in time.
    case localTimeout
    /// The transport failed to send the request.
    case transportError(String)
    /// The TCP/TLS flow of the registration broke (RFC 5626 §4.4: keep-alive or connection loss).
    case flowLost
    /// `options_failure_threshold` OPTIONS probes in a row failed.
    case probeFailed(RequestFailure)
    /// A 2xx that granted no lifetime to our Contact (Expires 0).
    case bindingNotGranted
    /// The un-REGISTER was not answered within the bounded wait.
    case unregisterTimedOut

    package var description: String {
        switch self {
        case .started: "started"
        case .stopped: "stopped"
        case .registrationNotRequired: "registration not required (reregister_in_seconds is 0)"
        case .response(let code, let phrase): "\(code) \(phrase)"
        case .credentialsRejected(let code, let phrase): "\(code) \(phrase) (credentials rejected)"
        case .challengeRefused(let code, let phrase, let refusal): "\(code) \(phrase) (\(refusal))"
        case .localTimeout: "local timeout"
        case .transportError(let detail): "transport error: \(detail)"
        case .flowLost: "flow lost"
        case .probeFailed(let failure): "OPTIONS probe failed: \(failure)"
        case .bindingNotGranted: "binding not granted (Expires 0)"
        case .unregisterTimedOut: "un-REGISTER not answered in time"
        }
    }

    /// The SIP status code behind the reason, when there is one.
    package var statusCode: Int? {
        switch self {
        case .response(let code, _), .credentialsRejected(let code, _), .challengeRefused(let code, _, _): code
        default: nil
        }
    }
}

/// One status change, the machine's half of `ConnectionStatusChanged` (the driver adds the
/// connection id, user, server, transport and wall-clock time).
package struct RegistrationStatusChange: Hashable, Sendable {
    package var previous: RegistrationStatus
    package var status: RegistrationStatus
    package var reason: RegistrationReason
    /// When the next REGISTER goes out, for `failed`; a probe that gets an answer may bring it
    /// forward.
    package var nextRetryAt: NIODeadline?
    /// When the site last answered the binding (a REGISTER's final response or a probe's answer);
    /// nil if it never has.
    package var lastAnsweredAt: NIODeadline? = nil
}
