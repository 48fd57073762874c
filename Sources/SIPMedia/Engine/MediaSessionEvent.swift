/// What a media session tells its owner (call control), on the session's event loop.
package enum MediaSessionEvent: Hashable, Sendable {
    /// An RFC 4733 digit started arriving.
    case dtmfReceived(DTMFEvent)
    /// RTP expected and none came for the inactivity timeout.
    case inactive(silentFor: TimeAmountDescription)
    /// The source played to its end (a WAV file); silence follows.
    case sourceFinished
}

/// A duration as call control reports it ("30 s").
package struct TimeAmountDescription: Hashable, Sendable, CustomStringConvertible {
    package var milliseconds: Int64
    package init(milliseconds: Int64) { self.milliseconds = milliseconds }
    package var description: String {
        milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(Double(milliseconds) / 1000) s"
    }
}
