import NIOCore
import SIPCore

/// A message body kept opaque: SDP offers and answers (SIPMedia reads them), DTMF relay,
/// sipfrag. The session machines only carry them between the wire and their TU.
package struct SessionBody: Hashable, Sendable {
    package var contentType: SIPMediaType
    package var content: ByteBuffer

    package init(contentType: SIPMediaType, content: ByteBuffer) {
        self.contentType = contentType
        self.content = content
    }

    package init(contentType: SIPMediaType, text: String) {
        self.init(contentType: contentType, content: ByteBuffer(string: text))
    }

    /// The body of `message`, nil when it has none. A body without a (valid) Content-Type is
    /// `application/octet-stream` (§7.4.1 makes the header mandatory; we do not drop the bytes).
    package init?(message: SIPMessage) {
        guard message.body.readableBytes > 0 else { return nil }
        let type = ((try? message.contentType) ?? nil) ?? SIPMediaType(type: "application", subtype: "octet-stream")
        self.init(contentType: type, content: message.body)
    }

    package var text: String { String(buffer: content) }
}
