import Foundation

/// SIPp user-agent servers on 127.0.0.4 behind the sites' test numbers. Each runs in the foreground
/// as a child process (not `-bg`, which would hide the pid we stop it by), UDP only; the sites reach
/// them over UDP whatever transport the caller used.
public actor SIPpUAS {
    /// A test number, the port of its SIPp UAS and the scenario that answers it.
    public struct TestNumber: Hashable, Sendable {
        /// The user part to dial at a site, e.g. "9000".
        public var number: String
        /// UDP port on `SIPpUAS.host`.
        public var port: Int
        /// Scenario file in `Tests/Lab/sipp`.
        public var scenario: String
        /// Final response the UAS gives, nil when it never answers.
        public var finalResponse: Int?
        /// When set, SIPp runs with `-rtp_echo` and its media socket on `SIPpUAS.host` at this port
        /// (`-mi`/`-mp`; the scenario's SDP says `[media_ip]`/`[media_port]`): every RTP packet it
        /// receives there goes straight back to its sender, unchanged. Nil: SIPp's default media
        /// socket (6000 and up on its `-i` address), which swallows the RTP a caller sends to the
        /// SDP's address and returns none. Default: nil.
        public var rtpEchoPort: Int?

        public init(number: String, port: Int, scenario: String, finalResponse: Int?, rtpEchoPort: Int? = nil) {
            self.number = number
            self.port = port
            self.scenario = scenario
            self.finalResponse = finalResponse
            self.rtpEchoPort = rtpEchoPort
        }

        /// Answers 200 and waits for the BYE.
        public static let answer = TestNumber(
            number: "9000", port: 5070, scenario: "uas-answer.xml", finalResponse: 200)
        /// Answers 408 Request Timeout.
        public static let requestTimeout = TestNumber(
            number: "9408", port: 5071, scenario: "uas-408.xml", finalResponse: 408)
        /// Answers 503 Service Unavailable.
        public static let serviceUnavailable = TestNumber(
            number: "9503", port: 5072, scenario: "uas-503.xml", finalResponse: 503)
        /// Answers 486 Busy Here.
        public static let busyHere = TestNumber(number: "9486", port: 5073, scenario: "uas-486.xml", finalResponse: 486)
        /// Challenges with 407 in realm "evil.example", a realm that is no connection's: a hop of
        /// another domain fishing for a digest response.
        public static let foreignRealmChallenge = TestNumber(
            number: "9407", port: 5076, scenario: "uas-407-foreign-realm.xml", finalResponse: 407)
        /// Takes the INVITE and never answers; the site itself answers the caller 408 after 5 s.
        public static let silent = TestNumber(
            number: "9999", port: 5074, scenario: "uas-silent.xml", finalResponse: nil)

        /// Answers 200 like 9000 and echoes RTP from 127.0.0.4:6070. Not in `all`: only the media lab
        /// test needs it, and it starts and stops its own (``SIPpUAS/start(_:configuration:)``) so
        /// it can read SIPp's echo counter, which SIPp prints only when it exits. Port 6070 keeps
        /// clear of the 6000 and up that the other UAS take by default.
        public static let answerEchoingRTP = TestNumber(
            number: "9001", port: 5075, scenario: "uas-answer.xml", finalResponse: 200, rtpEchoPort: 6070)

        /// Answers 200 taking session timers up (RFC 4028: Session-Expires 6 s, the caller refreshes,
        /// UPDATE allowed), answers two UPDATE refreshes, then waits for the BYE. Not in `all`: its
        /// test starts and stops its own, like ``answerEchoingRTP``.
        public static let sessionTimers = TestNumber(
            number: "9002", port: 5077, scenario: "uas-session-timer.xml", finalResponse: 200)

        /// The numbers the lab starts for every call suite (`kamailio.cfg` also routes 9001,
        /// ``answerEchoingRTP``).
        public static let all: [TestNumber] = [
            .answer, .requestTimeout, .serviceUnavailable, .busyHere, .silent, .foreignRealmChallenge,
        ]
    }

    /// The address every UAS listens on; `kamailio.cfg` routes the test numbers there.
    public static let host = "127.0.0.4"

    public nonisolated let testNumber: TestNumber
    /// SIPp's output; `-trace_err` files land beside it in `<work dir>/sipp-uas`.
    public nonisolated let logFile: URL
    private let configuration: LabConfiguration
    private let directory: URL
    private var process: ChildProcess?
    /// Size of `logFile` when this run started.
    private var logStart = 0

    init(testNumber: TestNumber, configuration: LabConfiguration) {
        self.testNumber = testNumber
        self.configuration = configuration
        self.directory = configuration.workDirectory.appendingPathComponent("sipp-uas", isDirectory: true)
        self.logFile = directory.appendingPathComponent("uas-\(testNumber.number).log")
    }

    /// Process id while it runs.
    public var pid: pid_t? { process?.isRunning == true ? process?.pid : nil }

    /// Starts the five UAS and returns once each has bound its port. On failure the ones already
    /// started are stopped.
    public static func startAll(configuration: LabConfiguration = LabConfiguration()) async throws(LabError)
        -> [SIPpUAS]
    {
        var started: [SIPpUAS] = []
        do throws(LabError) {
            for number in TestNumber.all {
                let uas = SIPpUAS(testNumber: number, configuration: configuration)
                try await uas.start()
                started.append(uas)
            }
        } catch {
            await stopAll(started)
            throw error
        }
        return started
    }

    /// Starts one UAS on its own (one not in ``TestNumber/all``); the caller holds the lab's lock
    /// (a running ``KamailioLab``) and stops it.
    public static func start(
        _ testNumber: TestNumber, configuration: LabConfiguration = LabConfiguration()
    ) async throws(LabError) -> SIPpUAS {
        let uas = SIPpUAS(testNumber: testNumber, configuration: configuration)
        try await uas.start()
        return uas
    }

    /// Stops them side by side: SIPp takes over a second to exit on SIGTERM.
    public static func stopAll(_ servers: [SIPpUAS]) async {
        await withTaskGroup(of: Void.self) { group in
            for server in servers { group.addTask { await server.stop() } }
        }
    }

    /// Launches SIPp and waits (bounded) until its UDP port is bound.
    public func start() async throws(LabError) {
        if process?.isRunning == true { return }
        guard let sipp = configuration.requirement.sipp else {
            throw LabError(.missingPrerequisite, configuration.requirement.explanation)
        }
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let pidFile = directory.appendingPathComponent("uas-\(testNumber.number).pid")
        let scenario = configuration.sippScenario(testNumber.scenario).path
        await StaleProcess.stop(pidFile: pidFile, commandLineContains: [scenario, "\(testNumber.port)"])
        let arguments =
            [
                "-sf", scenario, "-i", Self.host, "-p", "\(testNumber.port)", "-t", "u1",
                "-nostdin", "-trace_err", "-error_file",
                directory.appendingPathComponent("uas-\(testNumber.number)-errors.log").path,
            ] + (testNumber.rtpEchoPort.map { ["-rtp_echo", "-mi", Self.host, "-mp", "\($0)"] } ?? [])
        // The log is appended to across runs; remember where this run's output starts.
        logStart = (try? FileManager.default.attributesOfItem(atPath: logFile.path)[.size] as? Int) ?? 0
        let child = try ChildProcess(executable: sipp, arguments: arguments, log: logFile)
        process = child
        try? "\(child.pid)\n".write(to: pidFile, atomically: true, encoding: .utf8)
        let deadline = ContinuousClock.now + .seconds(15)  // a loaded 2-core machine can take seconds to schedule it
        while ContinuousClock.now < deadline {
            if let status = child.terminationStatus {
                process = nil
                throw LabError(
                    .processExited, "SIPp UAS \(testNumber.number) exited with \(status); see \(logFile.path)")
            }
            if UDPPortTable.isBound(host: Self.host, port: testNumber.port),
                testNumber.rtpEchoPort.map({ UDPPortTable.isBound(host: Self.host, port: $0) }) ?? true
            {
                return
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        await child.kill()
        process = nil
        throw LabError(
            .notReady, "SIPp UAS \(testNumber.number) did not bind \(Self.host):\(testNumber.port); see \(logFile.path)"
        )
    }

    /// SIGTERM, then SIGKILL after `LabConfiguration.stopTimeout`.
    public func stop() async {
        guard let child = process else { return }
        await child.terminate(grace: configuration.stopTimeout)
        process = nil
    }

    /// RTP packets SIPp echoed on its audio port, from the statistics screen it prints as it exits
    /// (`Total echo RTP pckts 1st stream`), so only after ``stop()``; nil when this run printed none.
    public func echoedRTPPackets() -> Int? {
        guard process == nil, let data = try? Data(contentsOf: logFile), data.count >= logStart else { return nil }
        let output = String(decoding: data.dropFirst(logStart), as: UTF8.self)
        return SIPpScreen.echoedRTPPackets(in: output)
    }
}

/// Reads `/proc/net/udp` to learn whether a local UDP port is bound: the only sign SIPp gives that it
/// is ready, without sending it traffic that would count as a call.
enum UDPPortTable {
    static func isBound(host: String, port: Int) -> Bool {
        // Read to the end: `String(contentsOfFile:)` stops after the first read of a /proc file (4 KB,
        // about 30 sockets), and on a busy machine the UAS's socket is listed further down.
        guard let file = FileHandle(forReadingAtPath: "/proc/net/udp") else { return false }
        defer { try? file.close() }
        let table = String(decoding: file.readDataToEndOfFile(), as: UTF8.self)
        let octets = host.split(separator: ".").compactMap { UInt8($0) }
        guard octets.count == 4 else { return false }
        // The kernel prints the address as a little-endian 32-bit hex number and the port in hex.
        let address = octets.reversed().map { String(format: "%02X", $0) }.joined()
        let needle = "\(address):\(String(format: "%04X", port)) "
        return table.contains(needle)
    }
}
