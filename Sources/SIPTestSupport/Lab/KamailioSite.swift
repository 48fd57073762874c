import Foundation
import NIOCore

/// One real Kamailio site of the lab, run from `Tests/Lab/kamailio/kamailio.cfg` as the current user
/// in the foreground (`-DD -E`: no daemon, log on stderr, which goes to `logFile`).
///
/// Control is by process id only (the lab shares the machine with other people's processes):
/// `stop()` is SIGTERM then SIGKILL, `freeze()`/`thaw()` are SIGSTOP/SIGCONT to the site's process
/// group, which makes a site that goes silent without closing a socket, and `kill()` is SIGKILL.
public actor KamailioSite {
    /// Addresses and ports.
    public nonisolated let descriptor: KamailioSiteDescriptor
    /// Kamailio's stderr (appended across restarts of this launch): read it when a test fails.
    public nonisolated let logFile: URL
    /// The certificates the site serves; `certificates.caCertificate` is what clients trust.
    public nonisolated let certificates: LabCertificates

    private let configuration: LabConfiguration
    private let runtimeDirectory: URL
    private let pidFile: URL
    private var process: ChildProcess?
    private var kamailioPidFile: URL { runtimeDirectory.appendingPathComponent("kamailio.pid") }

    init(descriptor: KamailioSiteDescriptor, certificates: LabCertificates, configuration: LabConfiguration) {
        self.descriptor = descriptor
        self.certificates = certificates
        self.configuration = configuration
        let stem = descriptor.fileStem
        self.logFile = configuration.workDirectory.appendingPathComponent("\(stem).log")
        self.runtimeDirectory = configuration.workDirectory.appendingPathComponent("\(stem).run", isDirectory: true)
        self.pidFile = configuration.workDirectory.appendingPathComponent("\(stem).pid")
    }

    /// Process id of Kamailio's main process while the site runs.
    public var pid: pid_t? { process?.isRunning == true ? process?.pid : nil }

    /// Whether the main process is alive (a frozen site is alive).
    public var isRunning: Bool { process?.isRunning == true }

    /// Launches Kamailio and returns once the site answers OPTIONS over UDP with 200. Stops a
    /// leftover of a crashed earlier run on the same address first.
    public func start() async throws(LabError) {
        if isRunning { return }
        guard let kamailio = configuration.requirement.kamailio else {
            throw LabError(.missingPrerequisite, configuration.requirement.explanation)
        }
        let config = configuration.kamailioConfig.path
        let siteArgument = "SITE_IP=\(descriptor.host)"
        await StaleProcess.stop(pidFile: pidFile, commandLineContains: [config, siteArgument])
        try? FileManager.default.createDirectory(at: runtimeDirectory, withIntermediateDirectories: true)
        // Kamailio refuses to start while its pid file names a process that exists, and a killed
        // leftover can linger as a zombie where init does not reap (containers).
        try? FileManager.default.removeItem(at: kamailioPidFile)
        let arguments = [
            "-f", config, "-DD", "-E",
            "-Y", runtimeDirectory.path, "-P", kamailioPidFile.path,
            "-A", siteArgument,
            "-A", "TLS_CA=\"\(certificates.caCertificate.path)\"",
            "-A", "TLS_CERT=\"\(certificates.certificate(for: descriptor).path)\"",
            "-A", "TLS_KEY=\"\(certificates.privateKey(for: descriptor).path)\"",
        ]
        appendToLog("==== lab: starting \(kamailio) \(arguments.joined(separator: " "))\n")
        let child = try ChildProcess(executable: kamailio, arguments: arguments, log: logFile)
        process = child
        // Not Kamailio's own -P file: Kamailio refuses to start when that names a live process (itself).
        // Ours lets the next run find a leftover of this one.
        try? "\(child.pid)\n".write(to: pidFile, atomically: true, encoding: .utf8)
        try await waitUntilAnswering(child)
    }

    /// SIGTERM, then SIGKILL after `LabConfiguration.stopTimeout`. Safe to call when stopped.
    public func stop() async {
        guard let child = process else { return }
        await child.terminate(grace: configuration.stopTimeout)
        process = nil
        try? FileManager.default.removeItem(at: pidFile)
    }

    /// SIGKILL, no grace: a site that dies at once; its TCP/TLS peers see resets.
    public func kill() async {
        guard let child = process else { return }
        await child.kill()
        process = nil
        try? FileManager.default.removeItem(at: pidFile)
    }

    /// `stop()` then `start()`; the restarted site has forgotten every registration (no database).
    public func restart() async throws(LabError) {
        await stop()
        try await start()
    }

    /// SIGSTOP to all of the site's processes: sockets stay open, nothing is answered.
    public func freeze() throws(LabError) {
        guard let child = process, child.isRunning else {
            throw LabError(.notRunning, "site \(descriptor.name) is not running")
        }
        child.signal(SIGSTOP)
    }

    /// SIGCONT: the site answers again, with every registration and connection it had.
    public func thaw() throws(LabError) {
        guard let child = process, child.isRunning else {
            throw LabError(.notRunning, "site \(descriptor.name) is not running")
        }
        child.signal(SIGCONT)
    }

    /// One OPTIONS over UDP; the status code, or nil when nothing answered within `timeout`.
    public func probe(timeout: TimeAmount = .milliseconds(500)) async -> Int? {
        try? await SIPOptionsProbe.udp(
            host: descriptor.host, port: descriptor.port, timeout: timeout, group: configuration.eventLoopGroup)
    }

    private func waitUntilAnswering(_ child: ChildProcess) async throws(LabError) {
        let deadline = ContinuousClock.now + configuration.readinessTimeout
        while ContinuousClock.now < deadline {
            if let status = child.terminationStatus {
                process = nil
                throw LabError(
                    .processExited,
                    "Kamailio site \(descriptor.name) exited with \(status) while starting; see \(logFile.path)")
            }
            if await probe(timeout: .milliseconds(200)) == 200 { return }
            try? await Task.sleep(for: .milliseconds(50))
        }
        await child.kill()
        process = nil
        throw LabError(
            .notReady,
            "Kamailio site \(descriptor.name) did not answer OPTIONS on \(descriptor.host):\(descriptor.port) "
                + "within \(configuration.readinessTimeout); see \(logFile.path)")
    }

    private func appendToLog(_ line: String) {
        if !FileManager.default.fileExists(atPath: logFile.path) {
            _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        }
        guard let handle = try? FileHandle(forWritingTo: logFile) else { return }
        defer { try? handle.close() }
        _ = try? handle.seekToEnd()
        try? handle.write(contentsOf: Data(line.utf8))
    }
}
