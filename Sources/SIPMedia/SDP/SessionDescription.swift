/// A session description (RFC 4566 §5): what one side of a call offers or answers.
///
/// Fields this SDK reasons about are typed; every other line (`i=`, `u=`, `e=`, `p=`, `b=`, `z=`, `k=`,
/// letters RFC 4566 does not define) and every attribute is kept in the order received and written
/// back, so a description survives a parse/serialize round trip unchanged.
///
/// Written in the order RFC 4566 §5 fixes:
///
///     v=  o=  s=  [i= u= e= p=]  [c=]  [b=]  t= [r=]  [z= k= …]  [a=]*
///     m=  [i=]  [c=]  [b= k= …]  [a=]*      (per media description)
package struct SessionDescription: Hashable, Sendable {
    /// `o=`: who made the description and which version of it this is (RFC 3264 §8).
    package var origin: SDPOrigin
    /// `s=`; RFC 4566 asks for at least one character, `-` when there is no name.
    package var sessionName: String
    /// Session-level `c=`, used by every media description without its own (RFC 4566 §5.7).
    package var connection: SDPConnection?
    /// `t=` lines with their `r=` lines; at least one. Calls use `t=0 0` (RFC 3264 §5).
    package var timing: [SDPTiming]
    /// Session-level `a=` lines, in order.
    package var attributes: [SDPAttribute]
    /// Session-level lines without a typed home, in order.
    package var otherFields: [SDPField]
    /// The `m=` sections, in order; RFC 3264 pairs offer and answer streams by their index.
    package var media: [MediaDescription]

    package init(
        origin: SDPOrigin,
        sessionName: String = "-",
        connection: SDPConnection? = nil,
        timing: [SDPTiming] = [SDPTiming()],
        attributes: [SDPAttribute] = [],
        otherFields: [SDPField] = [],
        media: [MediaDescription] = []
    ) {
        self.origin = origin
        self.sessionName = sessionName
        self.connection = connection
        self.timing = timing
        self.attributes = attributes
        self.otherFields = otherFields
        self.media = media
    }

    /// Session-level direction attribute, if any (RFC 4566 §6: media-level overrides it).
    package var direction: MediaDirection? {
        attributes.lazy.compactMap { MediaDirection(attributeName: $0.name) }.first
    }

    /// The connection a media description's stream uses: its own `c=`, else the session's.
    package func connection(of media: MediaDescription) -> SDPConnection? {
        media.connection ?? connection
    }

    /// The direction of a media description: its own attribute, else the session's, else `sendrecv`
    /// (RFC 3264 §5.1).
    package func direction(of media: MediaDescription) -> MediaDirection {
        media.direction ?? direction ?? .sendrecv
    }
}
