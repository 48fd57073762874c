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

    private init(sites: KamailioSites, testNumberServers: [SIPpUAS], configuration: LabConfiguration) {
        self.sites = sites
        self.testNumberServers = testNumberServers
        self.configuration = configuration
    }

    /// Starts the UAS first (a site routes test numbers to them), then the sites.
    public static func start(configuration: LabConfiguration = LabConfiguration()) async throws(LabError) -> KamailioLab {
        try configuration.requirement.require()
        let servers = try await SIPpUAS.startAll(configuration: configuration)
        do throws(LabError) {
            let sites = try await KamailioSites.start(configuration: configuration)
            return KamailioLab(sites: sites, testNumberServers: servers, configuration: configuration)
        } catch {
            await SIPpUAS.stopAll(servers)
            throw error
        }
    }

    /// Stops the sites and the UAS.
    public func stop() async {
        await sites.stop()
        await SIPpUAS.stopAll(testNumberServers)
    }

    /// Starts the lab, runs `body`, and stops every process whether `body` returns or throws.
    /// Labs run one at a time on the machine (``LabLock``): a second caller waits, at most
    /// `lockTimeout`, for the first to stop.
    public static func with<Result: Sendable>(
        configuration: LabConfiguration = LabConfiguration(), lockTimeout: Duration = .seconds(180),
        _ body: (KamailioLab) async throws -> Result
    ) async throws -> Result {
        try await LabLock.shared.acquire(timeout: lockTimeout)
        do {
            let result = try await run(configuration: configuration, body)
            await LabLock.shared.release()
            return result
        } catch {
            await LabLock.shared.release()
            throw error
        }
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
