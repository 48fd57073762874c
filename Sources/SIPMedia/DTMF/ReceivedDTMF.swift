/// A DTMF key the far end sent as RFC 4733 events, reported once per event by ``DTMFReceiver``.
package struct ReceivedDTMF: Hashable, Sendable {
    package var event: DTMFEvent
    /// The event's RTP timestamp: when the key went down on the sender's media clock.
    package var timestamp: UInt32

    package init(event: DTMFEvent, timestamp: UInt32) {
        self.event = event
        self.timestamp = timestamp
    }
}
