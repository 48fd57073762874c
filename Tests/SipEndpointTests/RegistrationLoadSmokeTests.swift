import RegistrationLoad
import SipEndpoint
import Testing

/// RegistrationBench's code path at test size: many connections of one phone
/// against the in-process digest registrars. Checks that it works, never how fast (no timed
/// assertions in unit tests).
@Suite("Registration load, test-sized")
struct RegistrationLoadSmokeTests {
    @Test func twoHundredConnectionsRegisterWithDigest() async throws {
        let dns = 100
        let sites = try await LoadSites.start(sites: 2)
        // It checks that the path works, not how fast: in the whole suite's parallel run, registrars
        // and phone share two cores with hundreds of tests, and a REGISTER answered later than a
        // learned loopback give-up (800 ms) or the default 4 s would fail its connection.
        var configuration = RegistrationLoad.configuration(
            dns: dns, sites: sites.addresses, reregisterInSeconds: 60, optionsInterval: 0,
            transactionTimeoutMilliseconds: 20_000)
        configuration.failover.adaptiveT1 = false
        let phone = Phone.onOwnThread(configuration: configuration)
        let events = phone.connectionManager.statusChanges
        try await phone.start()
        let ready = await RegistrationLoad.waitUntilReady(
            events, count: dns * 2, timeout: .seconds(30), connections: { phone.connectionManager.connections })
        #expect(ready.ready == dns * 2)
        #expect(ready.finishedAt != nil)
        #expect(ready.otherStatuses == 0)
        #expect(phone.connectionManager.connections.allSatisfy { $0.status == .ready })
        let counters = try await sites.counters()
        // Every REGISTER was challenged once and answered with the right digest.
        #expect(counters.challenges == dns * 2)
        #expect(counters.accepted == dns * 2)
        #expect(counters.rejected == 0)
        #expect(counters.bindings == dns * 2)
        await phone.shutdown()
        // Graceful shutdown un-REGISTERs every binding (Expires 0 removes it).
        #expect(try await sites.counters().bindings == 0)
        await sites.shutdown()
    }
}
