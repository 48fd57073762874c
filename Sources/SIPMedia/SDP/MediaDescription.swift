/// One `m=` section (RFC 4566 §5.14) with its `c=` and attributes.
///
/// Attributes stay in one ordered list so unknown ones survive a round trip; the typed properties
/// below read and write the ones offer/answer needs.
package struct MediaDescription: Hashable, Sendable {
    /// `audio`, `video`, `application` …
    package var media: String
    /// The transport port; 0 marks a stream rejected or removed (RFC 3264 §6, §8.2).
    package var port: Int
    /// The `/<number of ports>` suffix, when written.
    package var portCount: Int?
    /// `RTP/AVP` for the G.711 calls this SDK makes.
    package var proto: String
    /// The format list: RTP payload type numbers for RTP protocols, in preference order.
    package var formats: [String]
    /// Media-level `c=`, overriding the session's.
    package var connection: SDPConnection?
    /// `a=` lines, in order.
    package var attributes: [SDPAttribute]
    /// Media-level `i=`, `b=`, `k=` and unknown lines, in order.
    package var otherFields: [SDPField]

    package init(
        media: String = "audio",
        port: Int,
        portCount: Int? = nil,
        proto: String = "RTP/AVP",
        formats: [String],
        connection: SDPConnection? = nil,
        attributes: [SDPAttribute] = [],
        otherFields: [SDPField] = []
    ) {
        self.media = media
        self.port = port
        self.portCount = portCount
        self.proto = proto
        self.formats = formats
        self.connection = connection
        self.attributes = attributes
        self.otherFields = otherFields
    }

    /// Port 0: the stream is rejected or was removed.
    package var isRejected: Bool { port == 0 }

    /// `RTP/AVP` or a profile built on it (`RTP/AVPF`, `RTP/SAVP` …): formats are payload types.
    package var isRTP: Bool { proto.uppercased().hasPrefix("RTP/") }

    /// The first value of an attribute, or nil.
    package func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }

    package func hasAttribute(_ name: String) -> Bool { attributes.contains { $0.name == name } }

    /// `a=sendrecv` / `sendonly` / `recvonly` / `inactive` at this level; setting one replaces any other.
    package var direction: MediaDirection? {
        get { attributes.lazy.compactMap { MediaDirection(attributeName: $0.name) }.first }
        set {
            attributes.removeAll { MediaDirection(attributeName: $0.name) != nil }
            if let newValue { attributes.append(SDPAttribute(newValue.rawValue)) }
        }
    }

    /// `a=ptime` in milliseconds: the packet time the writer wants to receive (RFC 4566 §6).
    package var ptime: Int? {
        get { attribute("ptime").flatMap(SDPAttributeGrammar.ptime) }
        set {
            attributes.removeAll { $0.name == "ptime" }
            if let newValue { attributes.append(SDPAttribute("ptime", String(newValue))) }
        }
    }

    /// `a=rtcp-mux` (RFC 5761): RTP and RTCP share one port.
    package var rtcpMux: Bool {
        get { hasAttribute("rtcp-mux") }
        set {
            attributes.removeAll { $0.name == "rtcp-mux" }
            if newValue { attributes.append(SDPAttribute("rtcp-mux")) }
        }
    }

    /// `a=rtcp` (RFC 3605): RTCP somewhere other than the RTP port + 1.
    package var rtcp: SDPRTCPAttribute? {
        attribute("rtcp").flatMap(SDPAttributeGrammar.rtcp)
    }

    /// The `a=fmtp` parameters of a format.
    package func formatParameters(for payloadType: UInt8) -> String? {
        attributes.lazy.filter { $0.name == "fmtp" }.compactMap { $0.value.flatMap(SDPAttributeGrammar.fmtp) }
            .first { $0.payloadType == payloadType }?.parameters
    }

    /// The RTP payload formats of the format list, in its order: from `a=rtpmap`, or RFC 3551's static
    /// table when there is none. Formats that mean nothing (a dynamic type with no `a=rtpmap`) are left out.
    package var payloadFormats: [RTPPayloadFormat] {
        guard isRTP else { return [] }
        let maps = attributes.filter { $0.name == "rtpmap" }.compactMap { $0.value.flatMap(SDPAttributeGrammar.rtpmap) }
        return formats.compactMap { format -> RTPPayloadFormat? in
            guard let pt = UInt8(format), pt < 128 else { return nil }
            var resolved = maps.first { $0.payloadType == pt } ?? RTPPayloadFormat.staticFormat(payloadType: pt)
            resolved?.parameters = formatParameters(for: pt)
            return resolved
        }
    }

    /// An RTP audio stream offering `formats` in order, with the `a=rtpmap` and `a=fmtp` lines
    /// they need (static types get `a=rtpmap` too: RFC 3264 §5.1 recommends it).
    package static func rtpAudio(port: Int, formats: [RTPPayloadFormat]) -> MediaDescription {
        var attributes: [SDPAttribute] = []
        for format in formats {
            attributes.append(SDPAttribute("rtpmap", "\(format.payloadType) \(format.rtpmapValue)"))
            if let parameters = format.parameters {
                attributes.append(SDPAttribute("fmtp", "\(format.payloadType) \(parameters)"))
            }
        }
        return MediaDescription(port: port, formats: formats.map { String($0.payloadType) }, attributes: attributes)
    }
}

/// `a=rtcp:<port> [<nettype> <addrtype> <connection-address>]` (RFC 3605 §2.1).
package struct SDPRTCPAttribute: Hashable, Sendable {
    package var port: Int
    package var connection: SDPConnection?

    package init(port: Int, connection: SDPConnection? = nil) {
        self.port = port
        self.connection = connection
    }
}
