/// Whether a call's audio is SRTP (`system/security/use_srtp`).
package enum SRTPPolicy: String, Hashable, Sendable, CaseIterable {
    /// Plain RTP only: offers `RTP/AVP` without keys; an offer with only `RTP/SAVP` gets 488.
    case disabled
    /// Best effort, as pjsip's `srtp_use=2`: offers `RTP/AVP` with `a=crypto` lines; answers an
    /// `RTP/SAVP` offer, or an `RTP/AVP` offer with keys it can use, with SRTP, and a plain offer with RTP.
    case optional
    /// SRTP or no call: offers `RTP/SAVP`; an offer without usable keys gets 488, an answer without
    /// them ends the call. Keys then travel in the SDP, so signalling must be TLS (RFC 4568 §8.3).
    case mandatory
}

/// What an offer/answer agreed for SRTP: the suite, the keys each way, and the tag of the `a=crypto`
/// line the answer accepted (RFC 4568 §6.1).
package struct NegotiatedSRTP: Hashable, Sendable {
    package var suite: SRTPSuite
    package var tag: UInt32
    /// Ours: what we protect with (our `a=crypto` key).
    package var sendKey: SRTPMasterKey
    /// The peer's: what we unprotect with (its `a=crypto` key).
    package var receiveKey: SRTPMasterKey

    package init(suite: SRTPSuite, tag: UInt32, sendKey: SRTPMasterKey, receiveKey: SRTPMasterKey) {
        self.suite = suite
        self.tag = tag
        self.sendKey = sendKey
        self.receiveKey = receiveKey
    }
}
