import Foundation

/// Runs one SIPp client scenario of `Tests/Lab/sipp` to its end against a site, for tests that need a
/// real third-party user agent (registration with digest auth, a call through the site).
public enum SIPpUAC {
    /// Client scenarios shipped with the lab; each succeeds (exit 0) only on the outcome its name says.
    public enum Scenario: String, Sendable, CaseIterable {
        /// REGISTER, 401, REGISTER with credentials, expects 200.
        case register = "uac-register.xml"
        /// REGISTER, 401, REGISTER with credentials, expects a second 401 (wrong password).
        case registerRefused = "uac-register-refused.xml"
        /// INVITE, 407, INVITE with credentials, expects 200, ACK, BYE.
        case call = "uac-call.xml"
        /// INVITE, 407, INVITE with credentials, expects 486 and ACKs it.
        case callBusy = "uac-call-busy.xml"
        /// INVITE with a plain `RTP/AVP` offer, 407, INVITE with credentials, expects 488 and ACKs it.
        case callNotAcceptable = "uac-call-488.xml"
        /// Calls a registered agent (`service` = its DN), answers the site's 407, expects 200, then
        /// answers the agent's hold and retrieve re-INVITEs and ends on the agent's BYE.
        case callHeldByAgent = "uac-call-held.xml"
        /// Like ``call`` with `X-Call-UUID: [calluuid]` on its INVITEs (`keys: ["calluuid": …]`),
        /// staying 3 s in the call: one copy of a customer call a site delivers.
        case callCorrelated = "uac-call-correlated.xml"
        /// Like ``callBusy`` with `X-Call-UUID: [calluuid]`: the copy that must be refused with 486.
        case callCorrelatedBusy = "uac-call-correlated-busy.xml"
    }

    /// How a run ended.
    public struct Outcome: Sendable {
        /// SIPp's exit status: 0 when the call succeeded, 1 when it failed, others for errors.
        public var exitStatus: Int32
        /// SIPp's stdout and stderr.
        public var logFile: URL
        /// Every message sent and received (`-trace_msg`).
        public var messageFile: URL
        /// Unexpected messages (`-trace_err`).
        public var errorFile: URL
        /// True when the scenario ran to its end.
        public var succeeded: Bool { exitStatus == 0 }

        /// The messages file's text, for a failing expectation's comment.
        public var messages: String { (try? String(contentsOf: messageFile, encoding: .utf8)) ?? "" }
    }

    /// Sends the scenario to `site` as `user` with `password` from `localHost`:`localPort`.
    /// - Parameters:
    ///   - service: the user part of the request URI (`-s`): the number a call dials. Default: "service".
    ///   - transport: "u1" (UDP) or "t1" (TCP). Default: "u1".
    ///   - localHost: the client's address, apart from the sites and the UAS. Default: 127.0.0.5.
    ///   - timeout: SIPp's own global timeout, after which it gives up and fails. Default: 10 s.
    ///   - keys: more `-key name value` pairs for the scenario's `[name]` keywords. Default: none.
    public static func run(
        _ scenario: Scenario, site: KamailioSiteDescriptor, user: String, password: String,
        service: String = "service", transport: String = "u1", localHost: String = "127.0.0.5",
        localPort: Int = 5090, timeout: Duration = .seconds(10), keys: [String: String] = [:],
        configuration: LabConfiguration = LabConfiguration()
    ) async throws(LabError) -> Outcome {
        guard let sipp = configuration.requirement.sipp else {
            throw LabError(.missingPrerequisite, configuration.requirement.explanation)
        }
        let directory = configuration.workDirectory.appendingPathComponent("sipp-uac", isDirectory: true)
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let stem = "\(scenario.rawValue.replacingOccurrences(of: ".xml", with: ""))-\(user)-\(service)-\(localPort)"
        let outcome = Outcome(
            exitStatus: -1, logFile: directory.appendingPathComponent("\(stem).log"),
            messageFile: directory.appendingPathComponent("\(stem)-messages.log"),
            errorFile: directory.appendingPathComponent("\(stem)-errors.log"))
        for file in [outcome.logFile, outcome.messageFile, outcome.errorFile] {
            try? FileManager.default.removeItem(at: file)
        }
        let seconds = Int(timeout.components.seconds)
        let extraKeys = keys.sorted { $0.key < $1.key }.flatMap { ["-key", $0.key, $0.value] }
        let arguments =
            [
                "\(site.host):\(site.port)", "-sf", configuration.sippScenario(scenario.rawValue).path,
                "-t", transport, "-i", localHost, "-p", "\(localPort)", "-m", "1", "-s", service,
                "-key", "user", user, "-au", user, "-ap", password,
                "-nostdin", "-timeout", "\(seconds)", "-timeout_error",
                "-trace_msg", "-message_file", outcome.messageFile.path,
                "-trace_err", "-error_file", outcome.errorFile.path,
            ] + extraKeys
        let status = try await ChildProcess.run(
            sipp, arguments, log: outcome.logFile, timeout: timeout + .seconds(5))
        var finished = outcome
        finished.exitStatus = status
        return finished
    }
}
