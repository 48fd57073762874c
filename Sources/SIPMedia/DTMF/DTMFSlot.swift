/// What one RTP packet slot of an audio stream carries while a ``DTMFSender`` runs.
package enum DTMFSlot: Hashable, Sendable {
    /// Send audio as usual: nothing to send, or the silence between two digits.
    case audio
    /// Send this telephone-event packet instead of the slot's audio packet. `timestamp` is the event's
    /// RTP timestamp (its start, the same in every packet of the event, RFC 4733 §2.3.5); `marker` is set
    /// on the first packet of the event only (§2.5.1.2).
    case event(TelephoneEvent, timestamp: UInt32, marker: Bool)
}
