/// The direction attributes of RFC 4566 §6 / RFC 3264 §5.1, always from the point of view of the side
/// that wrote the description: `sendonly` in *their* SDP means they send and we only receive.
package enum MediaDirection: String, Hashable, Sendable, CaseIterable {
    case sendrecv
    case sendonly
    case recvonly
    case inactive

    package init(sends: Bool, receives: Bool) {
        switch (sends, receives) {
        case (true, true): self = .sendrecv
        case (true, false): self = .sendonly
        case (false, true): self = .recvonly
        case (false, false): self = .inactive
        }
    }

    /// The direction named by an attribute (`a=sendonly` …), or nil for any other attribute.
    package init?(attributeName: String) { self.init(rawValue: attributeName) }

    package var sends: Bool { self == .sendrecv || self == .sendonly }
    package var receives: Bool { self == .sendrecv || self == .recvonly }

    /// The same stream seen from the other side: their `sendonly` is our `recvonly`.
    package var reversed: MediaDirection { MediaDirection(sends: receives, receives: sends) }

    /// The direction an answerer gives a stream offered with `self` when it would like `wanted`
    /// (RFC 3264 §6.1): it may only send if the offerer receives, only receive if the offerer sends.
    /// So sendonly → recvonly, recvonly → sendonly, inactive → inactive, sendrecv → `wanted`.
    package func answer(wanting wanted: MediaDirection) -> MediaDirection {
        MediaDirection(sends: wanted.sends && receives, receives: wanted.receives && sends)
    }

    /// The same direction without receiving: how RFC 3264 §8.4 puts a stream on hold
    /// (sendrecv → sendonly; recvonly, i.e. already held by the other side → inactive).
    package var withoutReceiving: MediaDirection { MediaDirection(sends: sends, receives: false) }
}
