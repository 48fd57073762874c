import Foundation

/// A call whose site died: its signalling path is gone, its media path often is not. The call is
/// told about at once (``SessionSignalingLost``) and stays up while media flows; once media stops
/// (`rtp_inactivity_timeout`) it ends with sipError 408, the Genesys SDK's sign of a dead site.
extension CallDriver {
    /// Connection `connectionId` went `failed`: every connected or held call on it raises
    /// ``SessionSignalingLost`` once (until the connection is ready again).
    func connectionFailed(_ connectionId: Int, reason: String) {
        for (id, call) in calls where call.connectionId == connectionId {
            feed(id, .connectionFailed(reason))
        }
    }

    /// Connection `connectionId` is ready again: a later failure is news again.
    func connectionReady(_ connectionId: Int) {
        for (id, call) in calls where call.connectionId == connectionId {
            feed(id, .connectionReady)
        }
    }
}
