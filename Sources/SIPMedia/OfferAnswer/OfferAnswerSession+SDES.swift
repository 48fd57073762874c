/// SDES (RFC 4568) on top of RFC 3264: which `a=crypto` lines an offer carries, which line of an
/// offer this side accepts, and what an answer agreed. The rules:
///
/// - Keys are fresh and random per dialog, suite and direction (§6.1); a re-offer or an answer in the
///   same dialog keeps the agreed suite's keys (§7.1.4: a hold or a session refresh does not rekey),
///   so the stream's SRTP contexts, and their packet indexes, go on (RFC 3711 §9.2: a key and SSRC
///   pair must never see an index again). ``startNewDialog()`` forgets ours.
/// - An offer lists one line per suite, tags 1…n in our order of preference (§5.1.2); once SRTP is
///   agreed it lists the agreed line only, same tag, same key.
/// - An answer takes the first offered line this side can run (§7.1.1), repeats its tag and suite
///   with our own key, and keeps the offer's transport (an `RTP/AVP` offer with keys gets SRTP under
///   `optional`, as pjsip's best effort does).
/// - An answer must accept exactly one of our lines, by tag and suite (§7.1.3, §7.5).
extension OfferAnswerSession {
    /// What an offered stream's keys allow under the policy.
    enum CryptoVerdict {
        /// The stream may be taken: with this line (SRTP) or with none (plain RTP).
        case accepted(SDESCryptoAttribute?)
        /// The policy or the profile requires keys this stream does not offer usably.
        case refused
    }

    /// A new dialog begins (the next dial attempt after a failed one): its offer gets fresh keys, so a
    /// far end of an earlier attempt cannot read what goes to this one.
    package mutating func startNewDialog() {
        offeredCrypto = []
    }

    func acceptableCrypto(in stream: MediaDescription) -> CryptoVerdict {
        let secureProfile = stream.isSecureProfile
        guard configuration.srtp != .disabled else { return secureProfile ? .refused : .accepted(nil) }
        let usable = stream.cryptoAttributes.first { line in
            line.isUsable && line.suite.map { configuration.srtpSuites.contains($0) } == true
        }
        if let usable { return .accepted(usable) }
        return secureProfile || configuration.srtp == .mandatory ? .refused : .accepted(nil)
    }

    /// Our side of an offered line we accept: the agreed send key when the suite stays, else a fresh one.
    func answerSRTP(to line: SDESCryptoAttribute?) throws(OfferAnswerError) -> NegotiatedSRTP? {
        guard let line, let suite = line.suite, let receiveKey = line.masterKey else { return nil }
        let sendKey: SRTPMasterKey
        if let agreed = negotiated?.srtp, agreed.suite == suite {
            sendKey = agreed.sendKey
        } else {
            sendKey = try Self.freshKey(suite)
        }
        return NegotiatedSRTP(suite: suite, tag: line.tag, sendKey: sendKey, receiveKey: receiveKey)
    }

    /// The `a=crypto` lines of our next offer (empty when SRTP is disabled).
    mutating func cryptoForOffer() throws(OfferAnswerError) -> [SDESCryptoAttribute] {
        guard configuration.srtp != .disabled else { return [] }
        if let agreed = negotiated?.srtp, configuration.srtpSuites.contains(agreed.suite) {
            return [SDESCryptoAttribute(tag: agreed.tag, key: agreed.sendKey)]
        }
        if offeredCrypto.isEmpty {
            var lines: [SDESCryptoAttribute] = []
            for (index, suite) in configuration.srtpSuites.enumerated() {
                lines.append(SDESCryptoAttribute(tag: UInt32(index + 1), key: try Self.freshKey(suite)))
            }
            offeredCrypto = lines
        }
        return offeredCrypto
    }

    /// What an answer agreed for SRTP, judged against the offer it answers.
    func answeredSRTP(offered ours: MediaDescription, answered stream: MediaDescription) throws(OfferAnswerError)
        -> NegotiatedSRTP?
    {
        let offeredLines = ours.cryptoAttributes
        let answeredLines = stream.cryptoAttributes
        guard !offeredLines.isEmpty, !answeredLines.isEmpty else {
            if ours.isSecureProfile || configuration.srtp == .mandatory {
                throw OfferAnswerError(
                    .insecureAnswer, "the answer carries no SRTP key (use_srtp=\(configuration.srtp.rawValue))")
            }
            return nil
        }
        guard answeredLines.count == 1, let line = answeredLines.first, line.isUsable, let receiveKey = line.masterKey,
            let mine = offeredLines.first(where: { $0.tag == line.tag && $0.suiteName == line.suiteName }),
            let sendKey = mine.masterKey
        else {
            throw OfferAnswerError(.insecureAnswer, "the answer's a=crypto accepts none of the lines we offered")
        }
        return NegotiatedSRTP(suite: sendKey.suite, tag: line.tag, sendKey: sendKey, receiveKey: receiveKey)
    }

    static func freshKey(_ suite: SRTPSuite) throws(OfferAnswerError) -> SRTPMasterKey {
        do {
            return try SRTPMasterKey.random(for: suite)
        } catch {
            throw OfferAnswerError(.keyUnavailable, "no random SRTP key: \(error)")
        }
    }
}
