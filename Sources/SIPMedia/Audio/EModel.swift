/// A listening-quality estimate for a G.711 call from its loss and delay: the ITU-T G.107 E-model with
/// every factor but delay and packet loss at its default, as RTCP XR (RFC 3611 §4.7.5) and most SIP
/// phones report it.
///
///     R = R0 − Is − Id − Ie,eff            (G.107 §3; A = 0)
///     R0 − Is = 93.2                        (G.107 defaults: Ro 94.77, Is 1.43 …)
///     Id ≈ 0.024·Ta + 0.11·(Ta − 177.3)·H(Ta − 177.3)   (Cole & Rosenbluth's fit of G.107's Id, Ta in ms)
///     Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl / BurstR + Bpl)   (G.107 §3.6; BurstR = 1, random loss)
///     MOS = 1 + 0.035·R + R·(R − 60)·(100 − R)·7·10⁻⁶   for 0 < R < 100  (G.107 Annex B)
///
/// Ie and Bpl for G.711 come from ITU-T G.113 Appendix I: Ie 0, Bpl 4.3 when a lost frame is played as
/// silence, 25.1 with packet loss concealment.
package struct EModel: Hashable, Sendable {
    /// The codec's equipment impairment Ie and packet-loss robustness Bpl.
    package struct Codec: Hashable, Sendable {
        package var equipmentImpairment: Double
        package var packetLossRobustness: Double

        /// G.711 with lost frames played as silence, as this SDK plays them today.
        package static let g711 = Codec(equipmentImpairment: 0, packetLossRobustness: 4.3)
        /// G.711 with G.711 Appendix I packet loss concealment.
        package static let g711WithConcealment = Codec(equipmentImpairment: 0, packetLossRobustness: 25.1)
    }

    /// Default: ``Codec/g711``.
    package var codec: Codec = .g711

    package init(codec: Codec = .g711) {
        self.codec = codec
    }

    /// The transmission rating R, 0…100.
    /// - Parameters:
    ///   - lossRatio: packets lost (to the network or to a late arrival) over packets expected, 0…1.
    ///   - oneWayDelayMilliseconds: mouth to ear: half the RTCP round trip plus jitter buffer and packetisation.
    package func rating(lossRatio: Double, oneWayDelayMilliseconds: Double) -> Double {
        let delay = max(0, oneWayDelayMilliseconds)
        let delayImpairment = 0.024 * delay + (delay > 177.3 ? 0.11 * (delay - 177.3) : 0)
        let lossPercent = 100 * min(1, max(0, lossRatio))
        let ie = codec.equipmentImpairment
        let effectiveEquipment = ie + (95 - ie) * lossPercent / (lossPercent + codec.packetLossRobustness)
        return min(100, max(0, 93.2 - delayImpairment - effectiveEquipment))
    }

    /// The mean opinion score (1…4.5) the rating R predicts (G.107 Annex B).
    package static func meanOpinionScore(rating r: Double) -> Double {
        if r <= 0 { return 1 }
        if r >= 100 { return 4.5 }
        // Annex B's cubic dips just below 1 for R under about 6.5 (a call losing nearly every packet), and
        // a MOS below 1 means nothing: the scale starts at 1, "bad" (found by Scripts/fuzz-media).
        return max(1, 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6)
    }

    /// The MOS estimate for a call.
    package func meanOpinionScore(lossRatio: Double, oneWayDelayMilliseconds: Double) -> Double {
        Self.meanOpinionScore(rating: rating(lossRatio: lossRatio, oneWayDelayMilliseconds: oneWayDelayMilliseconds))
    }
}
