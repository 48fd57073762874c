/// Everything the real-server tests need at once: both Kamailio sites and the five SIPp UAS.
///
/// ```swift
/// try await KamailioLab.with { lab in
///     let code = try await SIPOptionsProbe.udp(host: lab.sites.a.descriptor.host, port: 5060)
/// }
/// ```
public final class KamailioLab: Sendable {
    public let sites: KamailioSites
    /// The UAS behind the test numbers, in `SIPpUAS.TestNumber.all` order.
    public let testNumberServers: [SIPpUAS]
    public let configuration: LabConfiguration
    private let lock: LabLock

    private init(sites: KamailioSites, testNumberServers: [SIPpUAS], configuration: LabConfiguration, lock: LabLock) {
        self.sites = sites
        self.testNumberServers = testNumberServers
        self.configuration = configuration
        self.lock = lock
    }

    /// Starts the UAS first (a site routes test numbers to them), then the sites. Waits first while
    /// another lab runs (``LabConfiguration/exclusiveWait``).
    public static func start(configuration: LabConfiguration = LabConfiguration()) async throws(LabError) -> KamailioLab
    {
        try configuration.requirement.require()
        let lock = try await LabLock.acquire(configuration: configuration)
        let servers: [SIPpUAS]
        do throws(LabError) {
            servers = try await SIPpUAS.startAll(configuration: configuration)
        } catch {
            lock.release()
            throw error
        }
        do throws(LabError) {
            let sites = try await KamailioSites.start(configuration: configuration, ownLock: nil)
            return KamailioLab(sites: sites, testNumberServers: servers, configuration: configuration, lock: lock)
        } catch {
            await SIPpUAS.stopAll(servers)
            lock.release()
            throw error
        }
    }

    /// Stops the sites and the UAS, then lets the next lab start.
    public func stop() async {
        await sites.stop()
        await SIPpUAS.stopAll(testNumberServers)
        lock.release()
    }

    /// Starts the lab, runs `body`, and stops every process whether `body` returns or throws.
    /// Labs run one at a time on the machine (``LabLock``, taken by ``start(configuration:)``).
    public static func with<Result: Sendable>(
        configuration: LabConfiguration = LabConfiguration(), _ body: (KamailioLab) async throws -> Result
    ) async throws -> Result {
        try await run(configuration: configuration, body)
    }

    private static func run<Result: Sendable>(
        configuration: LabConfiguration, _ body: (KamailioLab) async throws -> Result
    ) async throws -> Result {
        let lab = try await start(configuration: configuration)
        do {
            let result = try await body(lab)
            await lab.stop()
            return result
        } catch {
            await lab.stop()
            throw error
        }
    }
}
