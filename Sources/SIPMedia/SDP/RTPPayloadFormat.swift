/// One RTP payload format of an `m=` line: its payload type, the `a=rtpmap` encoding (RFC 4566 §6)
/// and the `a=fmtp` parameters.
package struct RTPPayloadFormat: Hashable, Sendable {
    /// 0–127; 96–127 are dynamic and only mean something through `a=rtpmap` (RFC 3551 §3).
    package var payloadType: UInt8
    /// `PCMU`, `PCMA`, `telephone-event` … compared case-insensitively (RFC 4855 §3).
    package var encodingName: String
    /// Hz; 8000 for G.711 and for the telephone-events that go with it.
    package var clockRate: Int
    /// Audio channels from `a=rtpmap`, nil when not written (meaning 1).
    package var channels: Int?
    /// The `a=fmtp` value after the payload type, e.g. `0-16` for telephone-event.
    package var parameters: String?

    package init(
        payloadType: UInt8, encodingName: String, clockRate: Int, channels: Int? = nil, parameters: String? = nil
    ) {
        self.payloadType = payloadType
        self.encodingName = encodingName
        self.clockRate = clockRate
        self.channels = channels
        self.parameters = parameters
    }

    /// G.711 μ-law, static payload type 0 (RFC 3551 table 4).
    package static let pcmu = RTPPayloadFormat(payloadType: 0, encodingName: "PCMU", clockRate: 8000)
    /// G.711 A-law, static payload type 8 (RFC 3551 table 4).
    package static let pcma = RTPPayloadFormat(payloadType: 8, encodingName: "PCMA", clockRate: 8000)

    /// RFC 4733 DTMF events 0–16 (digits, `*`, `#`, A–D, flash) on a dynamic payload type.
    package static func telephoneEvent(payloadType: UInt8 = 101) -> RTPPayloadFormat {
        RTPPayloadFormat(payloadType: payloadType, encodingName: "telephone-event", clockRate: 8000, parameters: "0-16")
    }

    /// `a=rtpmap` value after the payload type: `PCMU/8000`, `opus/48000/2`.
    package var rtpmapValue: String {
        if let channels { return "\(encodingName)/\(clockRate)/\(channels)" }
        return "\(encodingName)/\(clockRate)"
    }

    package var isTelephoneEvent: Bool { encodingName.lowercased() == "telephone-event" }

    /// The same codec, whatever payload type each side numbered it with.
    package func hasSameEncoding(as other: RTPPayloadFormat) -> Bool {
        encodingName.lowercased() == other.encodingName.lowercased() && clockRate == other.clockRate
            && (channels ?? 1) == (other.channels ?? 1)
    }

    /// What a static payload type means without `a=rtpmap` (RFC 3551 table 4, the audio types a
    /// SIP peer still sends); nil for dynamic or unassigned types.
    package static func staticFormat(payloadType: UInt8) -> RTPPayloadFormat? {
        let name: String
        switch payloadType {
        case 0: name = "PCMU"
        case 3: name = "GSM"
        case 4: name = "G723"
        case 8: name = "PCMA"
        case 9: name = "G722"
        case 13: name = "CN"
        case 18: name = "G729"
        default: return nil
        }
        return RTPPayloadFormat(payloadType: payloadType, encodingName: name, clockRate: 8000)
    }
}
