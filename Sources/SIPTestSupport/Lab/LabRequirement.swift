import Foundation

/// Finds what the lab runs (Kamailio with its TLS module, SIPp, openssl) and decides what a test does
/// when something is missing: on CI (`CI=true`) the test must fail and say what is missing, because a
/// skipped lab test on CI hides a broken setup; on a developer machine it may skip.
///
/// Install everything with `Scripts/install-deps`.
public struct LabRequirement: Sendable {
    /// Absolute path of `kamailio`, or nil.
    public var kamailio: String?
    /// Absolute path of Kamailio's `tls.so` module (Debian package `kamailio-tls-modules`), or nil.
    public var kamailioTLSModule: String?
    /// Absolute path of `sipp` (Debian package `sip-tester`), or nil.
    public var sipp: String?
    /// Absolute path of `openssl`, or nil.
    public var openssl: String?
    /// Absolute path of SIPVicious's `svmap` (Debian package `sipvicious`): a real scanner, or nil.
    public var svmap: String?
    /// Absolute path of `tcpdump` (the SRTP lab test captures what a phone really sends), or nil.
    public var tcpdump: String?
    /// The Debian Python that has `pylibsrtp` (package `python3-pylibsrtp`): an SRTP implementation
    /// that is not ours, to decrypt the capture with; nil when it is not installed.
    public var pylibsrtpPython: String?

    /// What the current machine has.
    public static let current = LabRequirement(environment: ProcessInfo.processInfo.environment)

    /// Looks in `PATH` and in the sbin directories, which a non-root `PATH` often lacks.
    public init(environment: [String: String]) {
        let path = (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        let directories = path + ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        func find(_ name: String) -> String? {
            directories.lazy.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        }
        kamailio = find("kamailio")
        sipp = find("sipp")
        openssl = find("openssl")
        svmap = find("svmap")
        tcpdump = find("tcpdump")
        // Debian's own interpreter: a python3 earlier in PATH (pyenv, a venv) does not see dist-packages.
        pylibsrtpPython =
            FileManager.default.fileExists(atPath: "/usr/lib/python3/dist-packages/pylibsrtp/__init__.py")
                && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : nil
        let moduleDirectories = [
            "/usr/lib/x86_64-linux-gnu/kamailio/modules", "/usr/lib/aarch64-linux-gnu/kamailio/modules",
            "/usr/lib64/kamailio/modules", "/usr/lib/kamailio/modules", "/usr/local/lib64/kamailio/modules",
            "/usr/local/lib/kamailio/modules",
        ]
        kamailioTLSModule = moduleDirectories.lazy.map { "\($0)/tls.so" }
            .first { FileManager.default.fileExists(atPath: $0) }
        isCI = environment["CI"]?.lowercased() == "true"
    }

    /// True when the environment says `CI=true`.
    public var isCI: Bool

    /// Names of what is missing, with the Debian package that provides it.
    public var missing: [String] {
        var missing: [String] = []
        if kamailio == nil { missing.append("kamailio (package kamailio)") }
        if kamailioTLSModule == nil { missing.append("Kamailio tls.so (package kamailio-tls-modules)") }
        if sipp == nil { missing.append("sipp (package sip-tester)") }
        if openssl == nil { missing.append("openssl (package openssl)") }
        if svmap == nil { missing.append("svmap (package sipvicious)") }
        if tcpdump == nil { missing.append("tcpdump (package tcpdump)") }
        if pylibsrtpPython == nil { missing.append("pylibsrtp (package python3-pylibsrtp)") }
        return missing
    }

    /// Whether lab tests should run: everything is there, or we are on CI, where a run that then fails
    /// in `require()` is the point.
    public var shouldRun: Bool { missing.isEmpty || isCI }

    /// The sentence a skipped or failed test shows.
    public var explanation: String {
        missing.isEmpty
            ? "the Kamailio/SIPp lab is installed"
            : "the Kamailio/SIPp lab is missing \(missing.joined(separator: ", ")); run Scripts/install-deps"
    }

    /// Throws `LabError.missingPrerequisite` naming what is missing.
    public func require() throws(LabError) {
        guard missing.isEmpty else { throw LabError(.missingPrerequisite, explanation) }
    }
}
