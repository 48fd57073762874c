import Testing

@testable import SIPTransport

@Suite("RFC 3263 §4.1 NAPTR selection")
struct NAPTRSelectionTests {
    let records = [
        NAPTRRecord(order: 20, preference: 10, flags: "s", service: "SIP+D2U", replacement: "_sip._udp.example.com"),
        NAPTRRecord(order: 10, preference: 50, flags: "S", service: "SIP+D2T", replacement: "_sip._tcp.example.com"),
        NAPTRRecord(order: 10, preference: 10, flags: "s", service: "SIPS+D2T", replacement: "_sips._tcp.example.com"),
        NAPTRRecord(order: 5, preference: 1, flags: "s", service: "SIP+D2S", replacement: "_sip._sctp.example.com"),
        NAPTRRecord(order: 5, preference: 1, flags: "s", service: "SIP+D2W", replacement: "_sip._ws.example.com"),
        NAPTRRecord(
            order: 1, preference: 1, flags: "u", service: "E2U+sip", regexp: "!^.*$!sip:a@b!", replacement: "."),
    ]

    @Test("unsupported services are dropped; order, then preference")
    func ordering() {
        let choices = NAPTRSelection.choices(from: records, secure: false)
        #expect(choices.map(\.transport) == [.tls, .tcp, .udp])
        #expect(choices.map(\.srvName) == ["_sips._tcp.example.com", "_sip._tcp.example.com", "_sip._udp.example.com"])
    }

    @Test("a SIPS URI keeps only SIPS+D2T")
    func secure() {
        #expect(NAPTRSelection.choices(from: records, secure: true).map(\.transport) == [.tls])
    }

    @Test("service names compare case-insensitively")
    func caseInsensitive() {
        let lower = [NAPTRRecord(order: 1, preference: 1, flags: "s", service: "sip+d2u", replacement: "_sip._udp.x")]
        #expect(NAPTRSelection.choices(from: lower, secure: false).map(\.transport) == [.udp])
    }
}
