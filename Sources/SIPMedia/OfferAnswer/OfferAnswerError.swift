/// Why an offer or an answer could not be used. Equality is by ``code``; ``sipStatusCode`` is the
/// response a UAS sends when the failure is in an offer it received.
package struct OfferAnswerError: Error, Hashable, Sendable, CustomStringConvertible {
    package enum Code: String, Hashable, Sendable {
        /// No audio stream shares a codec with us (RFC 3264 §6: reject with 488).
        case noCommonCodec
        /// No stream we could take at all: none is audio over RTP/AVP, or all are rejected (port 0).
        case noAcceptableStream
        /// An offer arrived while ours awaits its answer: glare (RFC 3261 §14.2, 491).
        case offerPending
        /// An answer arrived with no offer of ours outstanding.
        case noOfferPending
        /// The answer breaks RFC 3264 §6: another number of `m=` lines, or formats we never offered.
        case invalidAnswer
        /// The answer rejected the audio stream (port 0) or kept no codec of ours.
        case mediaRejected
        /// An offer without SRTP keys this side can use, while `use_srtp` requires them, or an
        /// `RTP/SAVP` offer without usable keys (RFC 4568 §7.1.1: 488).
        case insecureOffer
        /// An answer without SRTP keys to an offer that required them, or whose `a=crypto` does not
        /// accept one of the lines we offered (RFC 4568 §7.1.3, §7.5): the call cannot go on securely.
        case insecureAnswer
        /// No random key could be made.
        case keyUnavailable
    }

    package let code: Code
    /// What was wrong, for people and logs.
    package let detail: String

    package init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    /// 488 Not Acceptable Here for an offer we cannot take, 491 Request Pending for glare; nil where
    /// the failure is in an answer (the UAC ends or renegotiates the session instead).
    package var sipStatusCode: Int? {
        switch code {
        case .noCommonCodec, .noAcceptableStream, .insecureOffer: 488
        case .offerPending: 491
        case .keyUnavailable: 500
        case .noOfferPending, .invalidAnswer, .mediaRejected, .insecureAnswer: nil
        }
    }

    package static func == (lhs: OfferAnswerError, rhs: OfferAnswerError) -> Bool { lhs.code == rhs.code }
    package func hash(into hasher: inout Hasher) { hasher.combine(code) }
    package var description: String { "offer/answer: \(detail)" }
}
