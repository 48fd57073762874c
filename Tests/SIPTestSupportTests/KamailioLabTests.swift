import Foundation
import NIOCore
import NIOSSL
import SIPTestSupport
import Testing

@Suite(
    "Real Kamailio sites and SIPp",
    .serialized,
    .enabled(if: labIsRunnable, "Kamailio/SIPp lab not installed: run Scripts/install-deps"),
    .kamailioLab
)
struct KamailioLabTests {
    private var lab: KamailioLab {
        get throws { try #require(KamailioLabTrait.current, "the lab trait did not start the lab") }
    }

    private func site(_ name: String) throws -> KamailioSite {
        name == "A" ? try lab.sites.a : try lab.sites.b
    }

    @Test("OPTIONS over UDP, TCP and TLS gets 200", arguments: ["A", "B"])
    func optionsOverEveryTransport(siteName: String) async throws {
        let site = try site(siteName)
        let address = site.descriptor
        let ca = try lab.sites.certificates.caCertificate
        let udp = try await SIPOptionsProbe.udp(host: address.host, port: address.port)
        let tcp = try await SIPOptionsProbe.stream(host: address.host, port: address.port, transport: "TCP")
        // Hostname check on: the IP address is in the site certificate's subjectAltName.
        let tlsByAddress = try await tlsOptions(address, ca: ca, serverHostname: nil)
        let tlsByName = try await tlsOptions(address, ca: ca, serverHostname: address.certificateNames[0])
        #expect(udp == 200, "UDP; log: \(site.logFile.path)")
        #expect(tcp == 200, "TCP; log: \(site.logFile.path)")
        #expect(tlsByAddress == 200, "TLS by address; log: \(site.logFile.path)")
        #expect(tlsByName == 200, "TLS by name; log: \(site.logFile.path)")
    }

    // Not "a wrong hostname is refused": NIOSSL also accepts a certificate whose IP subjectAltName
    // matches the connected address, whatever name was asked for, and the site certificates carry
    // their IP. What must hold is that only the lab CA makes the sites trusted.
    @Test("TLS without the lab CA fails the handshake")
    func tlsNeedsTheLabCA() async throws {
        let site = KamailioSiteDescriptor.a
        await #expect(throws: (any Error).self) {
            _ = try await tlsOptions(site, ca: nil, serverHostname: site.certificateNames[0])
        }
    }

    @Test("REGISTER with the right password gets 200, with a wrong one a new challenge")
    func registerWithDigest() async throws {
        let lab = try lab
        let accepted = try await SIPpUAC.run(
            .register, site: .a, user: "7001", password: "pass7001", configuration: lab.configuration)
        #expect(accepted.succeeded, "expected 200; messages:\n\(accepted.messages)")
        let refused = try await SIPpUAC.run(
            .registerRefused, site: .b, user: "7002", password: "not-pass7002", configuration: lab.configuration)
        #expect(refused.succeeded, "expected a second 401; messages:\n\(refused.messages)")
    }

    @Test("A call to 9000 through site A is answered and hung up")
    func callIsAnswered() async throws {
        let lab = try lab
        let call = try await SIPpUAC.run(
            .call, site: .a, user: "7003", password: "pass7003", service: SIPpUAS.TestNumber.answer.number,
            configuration: lab.configuration)
        #expect(call.succeeded, "messages:\n\(call.messages)")
    }

    @Test("A call to 9486 through site B gets 486 Busy Here")
    func callIsBusy() async throws {
        let lab = try lab
        let call = try await SIPpUAC.run(
            .callBusy, site: .b, user: "7004", password: "pass7004", service: SIPpUAS.TestNumber.busyHere.number,
            configuration: lab.configuration)
        #expect(call.succeeded, "messages:\n\(call.messages)")
    }

    @Test("A frozen site is silent and answers again once thawed")
    func freezeAndThaw() async throws {
        let site = try lab.sites.a
        try await site.freeze()
        let whileFrozen = await site.probe(timeout: .seconds(1))
        try await site.thaw()
        #expect(whileFrozen == nil, "a frozen site answered OPTIONS")
        #expect(await answersWithin(site, seconds: 2), "log: \(site.logFile.path)")
    }

    @Test("A killed site is gone and a restart brings it back")
    func killAndRestart() async throws {
        let site = try lab.sites.b
        let before = await site.pid
        await site.kill()
        #expect(await site.isRunning == false)
        #expect(await site.probe(timeout: .milliseconds(300)) == nil)
        try await site.restart()
        let after = await site.pid
        #expect(after != nil && after != before)
        #expect(await site.probe() == 200, "log: \(site.logFile.path)")
    }

    private func answersWithin(_ site: KamailioSite, seconds: Int) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if await site.probe(timeout: .milliseconds(200)) == 200 { return true }
        }
        return false
    }
}

/// OPTIONS over TLS with NIOSSL's default verification (chain, then hostname or IP address),
/// trusting only the lab CA, or the system's roots when `ca` is nil.
private func tlsOptions(_ site: KamailioSiteDescriptor, ca: URL?, serverHostname: String?) async throws -> Int? {
    var configuration = TLSConfiguration.makeClientConfiguration()
    if let ca { configuration.trustRoots = .file(ca.path) }
    let context = try NIOSSLContext(configuration: configuration)
    return try await SIPOptionsProbe.stream(
        host: site.host, port: site.tlsPort, transport: "TLS", timeout: .seconds(2)
    ) { channel in
        try channel.pipeline.syncOperations.addHandler(
            NIOSSLClientHandler(context: context, serverHostname: serverHostname))
    }
}
