import NIOCore
import SIPCore
import SIPTestSupport
import SIPTransport
import Testing

@testable import SIPTransaction

/// OPTIONS to each real Kamailio site through our own stack — SIPTransactionLayer over SIPTransport —
/// over UDP, TCP and TLS (trusting only the lab CA, hostname checked against the site certificate).
@Suite(
    "Kamailio sites answer OPTIONS sent through SIPTransactionLayer",
    .serialized,
    .enabled(if: labIsRunnable, "Kamailio/SIPp lab not installed: run Scripts/install-deps"),
    .kamailioLab
)
struct KamailioOptionsTests {
    @Test(arguments: [KamailioSiteDescriptor.a, .b], [SIPTransportProtocol.udp, .tcp, .tls])
    func optionsGets200(site: KamailioSiteDescriptor, transport: SIPTransportProtocol) async throws {
        let lab = try #require(KamailioLabTrait.current, "the lab trait did not start the lab")
        let running = site == .a ? lab.sites.a : lab.sites.b
        let client = try await TransactionLayerHarness(
            timers: TransactionTimerConfiguration(transactionTimeout: .seconds(2)),
            tls: .init(trustRoots: .file(lab.sites.certificates.caCertificate.path)))
        let target = try SIPTransportTarget(
            transport: transport, ipAddress: site.host, port: transport == .tls ? site.tlsPort : site.port,
            serverName: transport == .tls ? site.certificateNames[0] : nil)
        let events = await client.send(try options(to: site, transport: transport), to: target)
        try await client.stop()
        guard case .final(let response) = events.last else {
            Issue.record(
                "no final response over \(transport) from site \(site.name): \(events); log: \(running.logFile.path)")
            return
        }
        #expect(response.message.statusCode == 200, "log: \(running.logFile.path)")
        #expect(response.transport == transport)
    }

    private func options(to site: KamailioSiteDescriptor, transport: SIPTransportProtocol) throws -> SIPMessage {
        let port = transport == .tls ? site.tlsPort : site.port
        var headers = SIPHeaders()
        headers.add(.via, SIPVia.forNewTransaction(transport: transport).description)
        headers.add(.maxForwards, "70")
        headers.add(.from, "<sip:probe@127.0.0.1>;tag=\(UInt32.random(in: 1...UInt32.max))")
        headers.add(.to, "<sip:\(site.host):\(port)>")
        headers.add(.callID, "lab-options-\(UInt64.random(in: 1...UInt64.max))")
        headers.add(.cseq, "1 OPTIONS")
        return .request(method: .options, uri: try SIPURI("sip:\(site.host):\(port)"), headers: headers)
    }
}
