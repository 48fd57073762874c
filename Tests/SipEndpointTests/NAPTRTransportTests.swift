import Foundation
import SIPTestSupport
import SipEndpoint
import Testing

/// RFC 3263 §4.1 when the configuration names no transport: a dnsmasq on loopback serves
/// `site-n.test` with a NAPTR record that prefers TCP (`SIP+D2T` → `_sip._tcp.site-n.test`) and one
/// for UDP behind it; the in-process peer listens on both. The connection registers over TCP, and
/// says so; with the transport named, NAPTR is not asked and UDP is used.
@Suite(
    "RFC 3263 NAPTR chooses the transport",
    .enabled(if: DNSMasq.shouldRun, Comment(rawValue: DNSMasq.skipReason)),
    .timeLimit(.minutes(1))
)
struct NAPTRTransportTests {
    @Test("no transport named: NAPTR picks TCP; transport named UDP: UDP", arguments: [true, false])
    func naptrChoosesTheTransport(fromDNS: Bool) async throws {
        let peer = try await SIPTestPeer.start()
        let tcpPort = try #require(try peer.address(.tcp).port)
        let udpPort = try #require(try peer.address(.udp).port)
        let dns = try await DNSMasq.start(
            domain: "site-n.test", localTTL: 60,
            records: [
                "--host-record=p.site-n.test,127.0.0.1",
                "--naptr-record=site-n.test,10,10,S,SIP+D2T,,_sip._tcp.site-n.test",
                "--naptr-record=site-n.test,20,10,S,SIP+D2U,,_sip._udp.site-n.test",
                "--srv-host=_sip._tcp.site-n.test,p.site-n.test,\(tcpPort),10,0",
                "--srv-host=_sip._udp.site-n.test,p.site-n.test,\(udpPort),10,0",
            ])
        var connection = ConnectionConfiguration(
            user: "7001", server: ServerAddress(host: "site-n.test"), transport: .udp,
            reregisterInSeconds: 60, regInterval: 30, regRetryMax: 60, optionsInterval: 0)
        connection.transportFromDNS = fromDNS
        let phone = Phone.onOwnThread(
            configuration: SipEndpointConfiguration(
                connections: [connection],
                endpoint: EndpointPolicy(
                    sipTransactionTimeoutMilliseconds: 600, localAddress: "127.0.0.1",
                    dnsServers: [ServerAddress(host: "127.0.0.1", port: Int(dns.port))])))
        let log = EventLog(phone.connectionManager.statusChanges)
        do {
            try await phone.start()
            let ready = try await log.wait(connection: 0, status: .ready, timeout: .seconds(15))
            let expected: SIPTransportKind = fromDNS ? .tcp : .udp
            #expect(ready.transport == expected)
            #expect(ready.target == "127.0.0.1:\(fromDNS ? tcpPort : udpPort)")
            let register = try #require(peer.requests(.register).last)
            #expect(register.flow.transport == (fromDNS ? .tcp : .udp))
            #expect(phone.connectionManager.connection(0)?.transport == expected)
        } catch {
            await phone.shutdown()
            await dns.stop()
            try? await peer.stop()
            throw error
        }
        await phone.shutdown()
        await dns.stop()
        try await peer.stop()
    }
}
