import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A dnsmasq child process on 127.0.0.1 and a free port, serving the records a test hands it.
/// Started by the test, stopped by its PID (never by name: other work on this machine runs its own).
///
/// Not `Sendable`: one test drives it from one task.
public final class DNSMasq {
    /// `DNSMASQ_PATH` overrides the search (point it at a missing file to check the CI rule).
    public static let executable: String? = {
        if let path = ProcessInfo.processInfo.environment["DNSMASQ_PATH"] {
            return FileManager.default.isExecutableFile(atPath: path) ? path : nil
        }
        let candidates = ["/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/sbin/dnsmasq"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// A test that needs dnsmasq fails, not skips, when CI=true and it is missing.
    public static var requiredByCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
    public static var shouldRun: Bool { executable != nil || requiredByCI }
    public static let skipReason =
        "dnsmasq is not installed (apt-get install dnsmasq-base); skipped because CI is not \"true\""

    public let port: UInt16
    public let pid: pid_t
    private var exited = false
    /// `127.0.0.1:PORT`, the form of the `dns_servers` setting.
    public var server: String { "127.0.0.1:\(port)" }

    /// Starts dnsmasq and returns once it says it has started (it logs that after binding its
    /// sockets). Tests run in parallel, each with its own dnsmasq, so two may draw the same port:
    /// the loser exits at start and is retried on another port (three attempts).
    public static func start(domain: String, localTTL: UInt32, records: [String]) async throws -> DNSMasq {
        var lastLog = ""
        for _ in 0..<3 {
            let dnsmasq = try DNSMasq(domain: domain, localTTL: localTTL, records: records)
            for _ in 0..<250 {  // 5 s in 20 ms steps
                if !dnsmasq.isRunning { break }
                if dnsmasq.log.contains("started, version") { return dnsmasq }
                try await Task.sleep(for: .milliseconds(20))
            }
            lastLog = dnsmasq.log
            await dnsmasq.stop()
        }
        throw DNSMasqError.notReady("dnsmasq did not start: \(lastLog)")
    }

    /// Starts dnsmasq with `records` (dnsmasq options such as `--srv-host=…`) answering for `domain`.
    ///
    /// posix_spawn and waitpid on this PID only, not Foundation's `Process`: its child monitor reaps
    /// with a blocking wait, which hangs every test once one dnsmasq is frozen with SIGSTOP.
    public init(domain: String, localTTL: UInt32, records: [String]) throws {
        // On CI (CI=true) a test that needs dnsmasq runs and fails here instead of being skipped.
        guard let executable = Self.executable else { throw DNSMasqError.notInstalled }
        port = try Self.freePort()
        let arguments =
            [
                executable,
                "--keep-in-foreground",
                "--conf-file=/dev/null",
                "--no-resolv",
                "--no-hosts",
                "--no-poll",
                "--listen-address=127.0.0.1",
                "--bind-interfaces",
                "--port=\(port)",
                "--pid-file=",
                "--log-facility=-",
                // Names under `domain` that are not configured are NXDOMAIN, not forwarded anywhere.
                "--local=/\(domain)/",
                "--local-ttl=\(localTTL)",
            ] + records
        logPath = "/tmp/sipendpoint-dnsmasq-\(getpid())-\(port).log"
        pid = try Self.spawn(arguments, log: logPath)
    }

    /// What dnsmasq wrote to stderr (its start-up errors, for a failure message).
    public let logPath: String
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// SIGSTOP: the server stays bound but answers nothing, like a frozen site.
    public func freeze() { kill(pid, SIGSTOP) }
    public func thaw() { kill(pid, SIGCONT) }

    public var isRunning: Bool {
        if exited { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { exited = true }
        return !exited
    }

    /// SIGTERM by PID, then SIGKILL if it has not gone within two seconds. Sleeps with
    /// `Task.sleep`, so waiting never holds a thread of the test's executor.
    public func stop() async {
        guard isRunning else { return }
        kill(pid, SIGCONT)
        kill(pid, SIGTERM)
        for _ in 0..<100 {
            if !isRunning { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
        forceStop()
    }

    private func forceStop() {
        guard isRunning else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)  // SIGKILL cannot be ignored: this returns promptly.
        exited = true
    }

    deinit {
        forceStop()
        unlink(logPath)
    }

    private static func spawn(_ arguments: [String], log: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // The child inherits the spawning thread's signal mask, and the test executor's threads
        // block signals: without a clean mask dnsmasq would never see our SIGTERM.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, arguments[0], &actions, &attributes, &argv, environ)
        guard status == 0 else { throw DNSMasqError.notReady("posix_spawn: \(status)") }
        return child
    }

    /// A port free on 127.0.0.1 for both UDP and TCP, drawn *below* the kernel's ephemeral range:
    /// a port the kernel hands out (bind to port 0) can be handed again to a client socket, such
    /// as another test's resolver, before dnsmasq binds it.
    private static func freePort() throws -> UInt16 {
        let ephemeralStart =
            (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))
            .flatMap { $0.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first }
            .flatMap { Int($0) } ?? 32768
        let range = 20_000..<max(20_001, min(ephemeralStart, 65_535))
        for _ in 0..<50 {
            let port = UInt16(Int.random(in: range))
            if isFree(port: port, type: Int32(SOCK_DGRAM.rawValue))
                && isFree(port: port, type: Int32(SOCK_STREAM.rawValue))
            {
                return port
            }
        }
        throw DNSMasqError.noFreePort
    }

    private static func isFree(port: UInt16, type: Int32) -> Bool {
        let probe = socket(AF_INET, type, 0)
        guard probe >= 0 else { return false }
        defer { close(probe) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(probe, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

public enum DNSMasqError: Error, CustomStringConvertible {
    /// Required (CI=true) but not installed.
    case notInstalled
    case noFreePort
    case notReady(String)

    public var description: String {
        switch self {
        case .notInstalled: "dnsmasq is required (CI=true) but not installed: apt-get install dnsmasq-base"
        case .noFreePort: "no free port for dnsmasq on 127.0.0.1"
        case .notReady(let detail): detail
        }
    }
}
