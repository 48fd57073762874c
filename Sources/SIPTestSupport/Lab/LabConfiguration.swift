import Foundation
import NIOCore
import NIOPosix

/// Where the lab finds its files and how long it waits. Every field has a default that works from a
/// checkout of this repository.
public struct LabConfiguration: Sendable {
    /// Directory holding `kamailio/kamailio.cfg` and `sipp/*.xml`.
    /// Default: `$SIPENDPOINT_LAB_DIR`, else `Tests/Lab` of the checkout this file was compiled from.
    public var labDirectory: URL
    /// Where logs, pid files, runtime dirs and generated certificates go. One fixed directory per user,
    /// overwritten at each launch, so a crashed run's leftovers are found (and its processes stopped)
    /// by the next one, and the last run's logs stay readable after a failure.
    /// Default: `$TMPDIR/sipendpoint-lab-<uid>`.
    public var workDirectory: URL
    /// How long a site may take to answer OPTIONS after launch. Default: 10 s.
    public var readinessTimeout: Duration
    /// How long a process may take to exit after SIGTERM before it gets SIGKILL. Default: 3 s.
    public var stopTimeout: Duration
    /// How long a launch waits for another lab (another suite, another checkout) to stop before it
    /// gives up: the sites use fixed addresses, so only one lab runs at a time. The lab suites of one
    /// `swift test` queue on it, so this bounds the whole queue, not one suite. Default: 300 s.
    public var exclusiveWait: Duration
    /// Binaries used by the lab. Default: `LabRequirement.current`.
    public var requirement: LabRequirement
    /// Loops for the readiness probes. Default: `MultiThreadedEventLoopGroup.singleton`.
    public var eventLoopGroup: any EventLoopGroup

    public init(
        labDirectory: URL = LabConfiguration.defaultLabDirectory,
        workDirectory: URL = LabConfiguration.defaultWorkDirectory,
        readinessTimeout: Duration = .seconds(10),
        stopTimeout: Duration = .seconds(3),
        exclusiveWait: Duration = .seconds(300),
        requirement: LabRequirement = .current,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.labDirectory = labDirectory
        self.workDirectory = workDirectory
        self.readinessTimeout = readinessTimeout
        self.stopTimeout = stopTimeout
        self.exclusiveWait = exclusiveWait
        self.requirement = requirement
        self.eventLoopGroup = eventLoopGroup
    }

    /// `Tests/Lab` beside the sources: SwiftPM always builds from a checkout, and the config must be
    /// the file under version control, not a copy that drifts.
    public static var defaultLabDirectory: URL {
        if let override = ProcessInfo.processInfo.environment["SIPENDPOINT_LAB_DIR"], !override.isEmpty {
            return URL(fileURLWithPath: override, isDirectory: true)
        }
        // …/Sources/SIPTestSupport/Lab/LabConfiguration.swift → …/Tests/Lab
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tests/Lab", isDirectory: true)
    }

    public static var defaultWorkDirectory: URL {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("sipendpoint-lab-\(getuid())", isDirectory: true)
    }

    var kamailioConfig: URL { labDirectory.appendingPathComponent("kamailio/kamailio.cfg") }

    func sippScenario(_ name: String) -> URL { labDirectory.appendingPathComponent("sipp/\(name)") }
}
