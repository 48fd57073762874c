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
        case .noCommonCodec, .noAcceptableStream: 488
        case .offerPending: 491
        case .noOfferPending, .invalidAnswer, .mediaRejected: nil
        }
    }

    package static func == (lhs: OfferAnswerError, rhs: OfferAnswerError) -> Bool { lhs.code == rhs.code }
    package func hash(into hasher: inout Hasher) { hasher.combine(code) }
    package var description: String { "offer/answer: \(detail)" }
}
