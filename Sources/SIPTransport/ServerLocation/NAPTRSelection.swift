/// RFC 3263 §4.1: which NAPTR records lead to an SRV lookup we can use, best first.
///
/// In short (paraphrased from §4.1): keep only the services whose resolution service names a
/// transport the client supports (`SIP+D2U`, `SIP+D2T`, `SIPS+D2T` here; SCTP and WebSocket are
/// not offered); for a SIPS URI keep only the `SIPS` ones; the replacement of what remains is the
/// SRV name to look up.
///
/// RFC 3403 §4.1 orders by ORDER, then PREFERENCE, both ascending. Only records with the "S" flag
/// and an empty regexp are usable: RFC 3263 §4.1 says SIP NAPTRs carry a replacement, not a regexp.
/// All usable records are returned, not just the first, so a caller that cannot reach any server
/// of the first transport can go on with the next one.
package enum NAPTRSelection {
    package struct Choice: Sendable, Hashable {
        package var transport: SIPTransportProtocol
        /// The replacement: the SRV name to ask next.
        package var srvName: String
        package var record: NAPTRRecord
    }

    package static func choices(from records: [NAPTRRecord], secure: Bool) -> [Choice] {
        let usable: [Choice] = records.compactMap { record in
            guard record.flags.lowercased() == "s",
                record.regexp.isEmpty,
                !record.replacement.isEmpty, record.replacement != ".",
                let transport = SIPTransportProtocol.allCases.first(where: {
                    $0.naptrService.equalsIgnoringCase(record.service)
                })
            else { return nil }
            if secure && transport != .tls { return nil }
            return Choice(transport: transport, srvName: record.replacement, record: record)
        }
        // Swift's sort is not stable; the index keeps equal (order, preference) in answer order.
        return usable.enumerated().sorted { lhs, rhs in
            (lhs.element.record.order, lhs.element.record.preference, lhs.offset)
                < (rhs.element.record.order, rhs.element.record.preference, rhs.offset)
        }.map(\.element)
    }
}

extension String {
    fileprivate func equalsIgnoringCase(_ other: String) -> Bool {
        lowercased() == other.lowercased()
    }
}
