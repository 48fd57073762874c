import Foundation

/// The two lab sites, A (127.0.0.2) and B (127.0.0.3), sharing one generated CA.
///
/// ```swift
/// let sites = try await KamailioSites.start()
/// defer { … await sites.stop() … }          // or: try await KamailioSites.with { sites in … }
/// try await sites.a.freeze(); try await sites.a.thaw()
/// sites.certificates.caCertificate            // trust this for TLS to either site
/// ```
public final class KamailioSites: Sendable {
    public let a: KamailioSite
    public let b: KamailioSite
    /// CA and site certificates, generated fresh for this launch.
    public let certificates: LabCertificates
    /// Held from start to stop when these sites took it themselves (not when a `KamailioLab` holds it).
    private let lock: LabLock?

    /// Both sites, A first.
    public var all: [KamailioSite] { [a, b] }

    private init(a: KamailioSite, b: KamailioSite, certificates: LabCertificates, lock: LabLock?) {
        self.a = a
        self.b = b
        self.certificates = certificates
        self.lock = lock
    }

    /// Generates the certificates, starts both sites and returns once both answer OPTIONS. On any
    /// failure whatever was started is stopped before the error is thrown. Waits first while another
    /// lab runs (``LabConfiguration/exclusiveWait``).
    public static func start(configuration: LabConfiguration = LabConfiguration()) async throws(LabError)
        -> KamailioSites
    {
        try configuration.requirement.require()
        let lock = try await LabLock.acquire(configuration: configuration)
        do throws(LabError) {
            return try await start(configuration: configuration, ownLock: lock)
        } catch {
            lock.release()
            throw error
        }
    }

    /// `ownLock`: the lock these sites release at stop; nil when the caller holds the lab's lock.
    static func start(configuration: LabConfiguration, ownLock: LabLock?) async throws(LabError) -> KamailioSites {
        try configuration.requirement.require()
        guard let openssl = configuration.requirement.openssl else {
            throw LabError(.missingPrerequisite, configuration.requirement.explanation)
        }
        do {
            try FileManager.default.createDirectory(at: configuration.workDirectory, withIntermediateDirectories: true)
        } catch {
            throw LabError(.processExited, "cannot create \(configuration.workDirectory.path): \(error)")
        }
        let certificates = try await LabCertificates.generate(
            in: configuration.workDirectory.appendingPathComponent("certs", isDirectory: true),
            sites: [.a, .b], openssl: openssl)
        let sites = KamailioSites(
            a: KamailioSite(descriptor: .a, certificates: certificates, configuration: configuration),
            b: KamailioSite(descriptor: .b, certificates: certificates, configuration: configuration),
            certificates: certificates, lock: ownLock)
        for site in sites.all {
            try? FileManager.default.removeItem(at: site.logFile)
        }
        do {
            // One after the other: on two cores, parallel starts only race for the CPU.
            try await sites.a.start()
            try await sites.b.start()
        } catch {
            await sites.stop()
            throw error
        }
        return sites
    }

    /// Stops both sites (a frozen site is thawed so it can exit cleanly).
    public func stop() async {
        await a.stop()
        await b.stop()
        lock?.release()
    }

    /// Starts the sites, runs `body`, and stops them whether `body` returns or throws.
    public static func with<Result: Sendable>(
        configuration: LabConfiguration = LabConfiguration(),
        _ body: (KamailioSites) async throws -> Result
    ) async throws -> Result {
        let sites = try await start(configuration: configuration)
        do {
            let result = try await body(sites)
            await sites.stop()
            return result
        } catch {
            await sites.stop()
            throw error
        }
    }
}
