import SIPCore

/// A dialog's identity (RFC 3261 §12): Call-ID, local tag and remote tag, seen from this UA.
package struct DialogID: Hashable, Sendable, CustomStringConvertible {
    package var callID: String
    package var localTag: String
    package var remoteTag: String

    package init(callID: String, localTag: String, remoteTag: String) {
        self.callID = callID
        self.localTag = localTag
        self.remoteTag = remoteTag
    }

    /// The dialog a request we received claims (§12.2.2): local tag from To, remote tag from
    /// From. Nil when To has no tag (the request is outside any dialog) or a header is malformed.
    package init?(receivedRequest request: SIPMessage) {
        guard let callID = try? request.callID, let localTag = (try? request.to)?.tag,
            let remoteTag = (try? request.from)?.tag
        else { return nil }
        self.init(callID: callID, localTag: localTag, remoteTag: remoteTag)
    }

    /// The dialog a response to one of our requests belongs to (§12.1.2): local tag from From,
    /// remote tag from To. Nil when To has no tag (a 100, or a response outside any dialog).
    package init?(responseToOurRequest response: SIPMessage) {
        guard let callID = try? response.callID, let localTag = (try? response.from)?.tag,
            let remoteTag = (try? response.to)?.tag
        else { return nil }
        self.init(callID: callID, localTag: localTag, remoteTag: remoteTag)
    }

    package var description: String { "\(callID);local=\(localTag);remote=\(remoteTag)" }
}
