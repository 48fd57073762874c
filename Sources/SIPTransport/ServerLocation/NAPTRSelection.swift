/// RFC 3263 §4.1: which NAPTR records lead to an SRV lookup we can use, best first.
///
/// > [...] the client MUST discard any service fields that identify a resolution service whose
/// > value is not "D2X", for values of X that indicate transport protocols supported by the client.
/// > The NAPTR processing as described in RFC 2915 will result in the discovery of the most
/// > preferred transport protocol of the server that is supported by the client, as well as an SRV
/// > record for the server. [...] if the client is resolving a SIPS URI, it MUST discard any
/// > services that do not contain "SIPS" as the protocol in the service field.
///
/// RFC 3403 §4.1 orders by ORDER, then PREFERENCE, both ascending. Only records with the "S" flag
/// and an empty regexp are usable: RFC 3263 §4.1 says SIP NAPTRs carry a replacement, not a regexp.
/// All usable records are returned, not just the first, so a caller that cannot reach any server
/// of the first transport can go on with the next one (RFC 3263 §4.3's "next" in spirit).
package enum NAPTRSelection {
    package struct Choice: Sendable, Hashable {
        package var transport: ServerTransport
        /// The replacement: the SRV name to ask next.
        package var srvName: String
        package var record: NAPTRRecord
    }

    package static func choices(from records: [NAPTRRecord], secure: Bool) -> [Choice] {
        let usable: [Choice] = records.compactMap { record in
            guard record.flags.lowercased() == "s",
                  record.regexp.isEmpty,
                  !record.replacement.isEmpty, record.replacement != ".",
                  let transport = ServerTransport.allCases.first(where: {
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
