/// The rule of the product, the dial with site fallback, as a value: which
/// connection, and which of its server targets, each INVITE attempt of one dial goes to, and when the
/// dial ends. Events in, actions out; no I/O, no time.
///
/// ```
///   start ──> attempt(requested if ready, else the first ready one, else the first recovering one,
///              else the requested one anyway)
///              │
///              ├─ 2xx ────────────────────────────────────────────> end(.connected)
///              ├─ retry code (408/503/504 by default), local timeout,
///              │  transport failure ──> the connection's next SRV target (RFC 3263),
///              │                        else the next connection ──> attempt …   (failedOver event)
///              │                        none left ───────────────> end(.failed(last code))
///              ├─ any other final response (404, 480, 486, 603 …) ─> end(.rejected(code))
///              └─ user cancels / hangs up ──────────────────────> end(.cancelled), no attempt after it
/// ```
///
/// Order of connections: the requested one if it is ready, then the other ready ones by id, then the
/// `recovering` ones (held down by flap damping: used only when no ready one is left), then the
/// connections that are not ready (their status may lag a site that is back, and a dial that has run out
/// of ready sites has nothing to lose); within each group the requested one first. Each connection is tried at most once per dial; within one,
/// every SRV target before moving on. A timeout ends as 408 "Request Timeout".
package struct DialFailoverMachine: Sendable, Hashable {
    /// A connection as the dial sees it when it starts.
    package struct Candidate: Sendable, Hashable {
        package var connectionId: Int
        package var isReady: Bool
        /// How many server targets the connection's site resolved to (1 without SRV).
        package var targetCount: Int
        /// Registered but held down by flap damping (`recovering`): tried after every ready connection.
        package var isRecovering: Bool

        package init(connectionId: Int, isReady: Bool, targetCount: Int = 1, isRecovering: Bool = false) {
            self.connectionId = connectionId
            self.isReady = isReady
            self.targetCount = max(1, targetCount)
            self.isRecovering = isRecovering && !isReady
        }

        /// Ready first, recovering next, the rest last.
        var rank: Int { isReady ? 0 : isRecovering ? 1 : 2 }
    }

    /// How one attempt ended.
    package enum AttemptResult: Sendable, Hashable {
        /// A 2xx: the call is connected.
        case answered
        /// A final non-2xx response from the network.
        case finalResponse(statusCode: Int, reasonPhrase: String)
        /// No response within the dial's INVITE no-response timer (`invite_timeout`: learned per server
        /// target by default, see `AdaptiveTimerPolicy`), or Timer B.
        case timeout
        /// The INVITE could not be sent (connection refused, TLS handshake, flow lost).
        case transportFailure(String)
    }

    /// Why a dial moved on, for the `failedOver` event.
    package enum Cause: Sendable, Hashable, CustomStringConvertible {
        case response(statusCode: Int, reasonPhrase: String)
        case timeout
        case transportFailure(String)
        /// The requested connection was not ready, so the dial started elsewhere.
        case connectionNotReady

        package var description: String {
            switch self {
            case .response(let code, let phrase): "\(code) \(phrase)"
            case .timeout: "408 Request Timeout (no response)"
            case .transportFailure(let detail): "transport failure: \(detail)"
            case .connectionNotReady: "connection not ready"
            }
        }

        /// The cause as a bounded word, for metrics labels (a back end has thousands of calls, so never
        /// the free text): the status code of a response, else `no_response`, `transport`, `not_ready`.
        package var metricLabel: String {
            switch self {
            case .response(let code, _): "\(code)"
            case .timeout: "no_response"
            case .transportFailure: "transport"
            case .connectionNotReady: "not_ready"
            }
        }

        /// The status code this cause ends a dial with when it is the last one (408 for a timeout,
        /// 503 for a transport failure, RFC 3261 §8.1.3.1).
        package var statusCode: Int {
            switch self {
            case .response(let code, _): code
            case .timeout, .connectionNotReady: 408
            case .transportFailure: 503
            }
        }

        package var reasonPhrase: String {
            switch self {
            case .response(_, let phrase): phrase
            case .timeout, .connectionNotReady: "Request Timeout"
            case .transportFailure: "Service Unavailable"
            }
        }
    }

    package enum Outcome: Sendable, Hashable {
        case connected(connectionId: Int)
        /// A final response that is not a reason to move on: it ends the dial with its code, no retry.
        case rejected(statusCode: Int, reasonPhrase: String)
        /// Every attempt failed; the last cause gives the code (408 for a timeout).
        case failed(statusCode: Int, reasonPhrase: String)
        /// The user cancelled or hung up: no attempt starts after it.
        case cancelled
    }

    package enum Action: Sendable, Hashable {
        /// Send the INVITE on this connection to its `targetIndex`-th server target.
        case attempt(connectionId: Int, targetIndex: Int)
        /// The dial moved from one connection to another (raise `failedOver`).
        case failedOver(from: Int, to: Int, cause: Cause)
        /// A failure the connection's health should hear of at once (probe it now, so the next dial does
        /// not pay the same timeout).
        case reportConnectionTrouble(connectionId: Int)
        case end(Outcome)
    }

    private let retryCodes: Set<Int>
    private var order: [Candidate]
    private var position = 0
    private var targetIndex = 0
    private var lastCause: Cause?
    private(set) package var isFinished = false
    private var started = false

    /// - Parameters:
    ///   - requested: the connection the application asked for.
    ///   - retryCodes: `policy/failover/retry_codes`. Default: 408, 503, 504.
    package init(requested: Int, candidates: [Candidate], retryCodes: Set<Int> = [408, 503, 504]) {
        self.retryCodes = retryCodes
        self.order = candidates.sorted {
            ($0.rank, $0.connectionId == requested ? 0 : 1, $0.connectionId) < (
                $1.rank, $1.connectionId == requested ? 0 : 1, $1.connectionId
            )
        }
    }

    /// The connection of the attempt in flight (nil before start and after the end).
    package var currentConnection: Int? { isFinished || !started ? nil : order[safe: position]?.connectionId }

    package mutating func start(requested: Int) -> [Action] {
        guard !started, !isFinished else { return [] }
        started = true
        guard let first = order.first else {
            isFinished = true
            return [.end(.failed(statusCode: 503, reasonPhrase: "Service Unavailable"))]
        }
        var actions: [Action] = []
        if first.connectionId != requested, order.contains(where: { $0.connectionId == requested }) {
            actions.append(.failedOver(from: requested, to: first.connectionId, cause: .connectionNotReady))
        }
        actions.append(.attempt(connectionId: first.connectionId, targetIndex: 0))
        return actions
    }

    /// The attempt in flight ended.
    package mutating func attemptEnded(_ result: AttemptResult) -> [Action] {
        guard started, !isFinished, let current = order[safe: position] else { return [] }
        let cause: Cause
        switch result {
        case .answered:
            isFinished = true
            return [.end(.connected(connectionId: current.connectionId))]
        case .finalResponse(let code, let phrase) where (200...299).contains(code):
            isFinished = true
            _ = phrase
            return [.end(.connected(connectionId: current.connectionId))]
        case .finalResponse(let code, let phrase) where !retryCodes.contains(code):
            isFinished = true
            return [.end(.rejected(statusCode: code, reasonPhrase: phrase))]
        case .finalResponse(let code, let phrase):
            cause = .response(statusCode: code, reasonPhrase: phrase)
        case .timeout:
            cause = .timeout
        case .transportFailure(let detail):
            cause = .transportFailure(detail)
        }
        lastCause = cause
        var actions: [Action] = [.reportConnectionTrouble(connectionId: current.connectionId)]
        // RFC 3263: the site's other targets first.
        if targetIndex + 1 < current.targetCount {
            targetIndex += 1
            actions.append(.attempt(connectionId: current.connectionId, targetIndex: targetIndex))
            return actions
        }
        position += 1
        targetIndex = 0
        guard let next = order[safe: position] else {
            isFinished = true
            actions.append(.end(.failed(statusCode: cause.statusCode, reasonPhrase: cause.reasonPhrase)))
            return actions
        }
        actions.append(.failedOver(from: current.connectionId, to: next.connectionId, cause: cause))
        actions.append(.attempt(connectionId: next.connectionId, targetIndex: 0))
        return actions
    }

    /// The user cancelled or hung up: no attempt starts after this.
    package mutating func cancel() -> [Action] {
        guard !isFinished else { return [] }
        isFinished = true
        return [.end(.cancelled)]
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
