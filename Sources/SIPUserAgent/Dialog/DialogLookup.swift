import SIPCore

/// Which dialog a received request belongs to, and the 481 for one that claims a dialog we do
/// not have (RFC 3261 §12.2.2).
package enum DialogLookup {
    package enum Disposition: Hashable, Sendable {
        /// No To tag: a new request (an INVITE that may create a dialog, OPTIONS, …), or a CANCEL,
        /// which §9.2 matches to its INVITE's transaction rather than to a dialog.
        case outsideDialog
        /// It names a dialog we have.
        case inDialog(DialogID)
        /// It names a dialog we do not have: answer ``unknownDialogResponse(to:)``.
        case unknownDialog(DialogID)
    }

    /// Sorts a request by its dialog identifier. `isKnown` says whether a dialog exists.
    package static func classify(_ request: SIPMessage, isKnown: (DialogID) -> Bool) -> Disposition {
        guard request.method != .cancel, let id = DialogID(receivedRequest: request) else { return .outsideDialog }
        return isKnown(id) ? .inDialog(id) : .unknownDialog(id)
    }

    /// §12.2.2: "the UAS MUST respond to the request with a 481 (Call/Transaction Does Not
    /// Exist)". Nil for an ACK, which is never answered (§17.1.1.3); it is dropped. The one place
    /// the stack makes this answer: the session layer, and the phone for a request that claims a
    /// dialog or call it does not have. A request without a To tag (a CANCEL) gets one (§8.2.6.2).
    package static func unknownDialogResponse(to request: SIPMessage) -> SIPMessage? {
        guard request.method != .ack else { return nil }
        var random = SystemRandomNumberGenerator()
        return request.makeResponse(statusCode: 481, toTag: SIPIdentifiers.hex(count: 10, using: &random))
    }
}
