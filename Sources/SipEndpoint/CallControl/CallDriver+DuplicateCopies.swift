import SIPCore
import SIPTransaction
import SIPUserAgent

/// One customer call delivered by both sites (`duplicate_call_header`): a second copy does not ring
/// while the first exists, unless the first's connection failed — then the new copy replaces it.
/// The rule is ``DuplicateCallTable``'s; this carries it out.
extension CallDriver {
    enum CopyAdmission: Equatable {
        /// Ring it; remember it under this value (nil: no header, or the rule is off).
        case admitted(String?)
        /// Answered already with the configured final response.
        case refused
    }

    /// Decides a new INVITE against the line's other calls with the same correlation value. A copy
    /// refused gets `duplicate_call_response` at once; a first copy on a failed connection is ended.
    func admitCopy(
        _ request: IncomingRequest, session: InviteDriver.SessionID, user: String, connectionId: Int
    ) -> CopyAdmission {
        guard let header = environment.configuration.failover.duplicateCallHeader, !header.isEmpty,
            let value = request.message.headers.first(SIPHeaderName(header))?.trimmingCharacters(in: .whitespaces),
            !value.isEmpty
        else { return .admitted(nil) }
        switch duplicates.decide(user: user, value: value, hasFailed: { environment.connectionHasFailed($0) }) {
        case .ring:
            return .admitted(value)
        case .refuse(let first):
            let code = environment.configuration.failover.duplicateCallResponse
            logger.info(
                "a copy of session \(first)'s call (\(header): \(value)) came through connection \(connectionId): refused with \(code)"
            )
            engine.reject(session, statusCode: code)
            return .refused
        case .replace(let first):
            guard let old = calls[first], old.engineSession != nil else {
                duplicates.remove(session: first)
                return .admitted(value)
            }
            logger.info(
                "a copy of session \(first)'s call (\(header): \(value)) came through connection \(connectionId) while connection \(old.connectionId) has failed: it replaces the first"
            )
            duplicates.remove(session: first)
            feed(
                first,
                .replacedByCopy(
                    "replaced by its copy through connection \(connectionId) (connection \(old.connectionId) failed)"))
            return .admitted(value)
        }
    }

    func remember(_ id: String, duplicateValue: String) {
        guard let call = calls[id] else { return }
        if !duplicates.record(user: call.user, value: duplicateValue, sessionId: id, connectionId: call.connectionId) {
            logger.warning(
                "line \(call.user) remembers \(duplicates.capacityPerLine) calls' correlation values already; session \(id) is not remembered"
            )
        }
    }
}
