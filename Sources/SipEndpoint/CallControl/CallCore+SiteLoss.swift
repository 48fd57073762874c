import Foundation

/// A call whose site died: its signalling path is gone, its media path often is not. The call is
/// told about at once (``SessionSignalingLost``) and stays up while media flows; once media stops
/// (`rtp_inactivity_timeout`) it ends with sipError 408, the Genesys SDK's sign of a dead site.
extension CallCore {
    /// Connection `connectionId` went `failed`: every connected or held call on it raises
    /// ``SessionSignalingLost`` once (until the connection is ready again).
    func connectionFailed(_ connectionId: Int, reason: String) {
        for (id, call) in calls
        where call.connectionId == connectionId && !call.signalingLost
            && (call.status == .connected || call.status == .held)
        {
            calls[id]?.signalingLost = true
            logger.warning(
                "session \(id): connection \(connectionId) failed (\(reason)); the call stays up while media flows")
            let event = SessionEvent.signalingLost(
                SessionSignalingLost(
                    sessionId: id, connectionId: connectionId, user: call.user, reason: reason, time: Date()))
            call.events.yield(event)
            events.yield(event)
        }
    }

    /// Connection `connectionId` is ready again: a later failure is news again.
    func connectionReady(_ connectionId: Int) {
        for (id, call) in calls where call.connectionId == connectionId && call.signalingLost {
            calls[id]?.signalingLost = false
        }
    }

    /// Why a call whose media stopped for `silentFor` ends: 408 "Request Timeout" when its connection
    /// has failed too (the site is dead), the media timeout otherwise (a peer gone without a BYE).
    func mediaStoppedReason(_ call: Call, silentFor: String) -> SessionReason {
        if phone.connectionHasFailed(call.connectionId) {
            return SessionReason(
                kind: .sipError, statusCode: 408, reasonPhrase: "Request Timeout",
                text: "408 Request Timeout (no media for \(silentFor) and connection \(call.connectionId) failed)")
        }
        return SessionReason(kind: .mediaTimeout, text: "no RTP received for \(silentFor) (rtp_inactivity_timeout)")
    }
}
