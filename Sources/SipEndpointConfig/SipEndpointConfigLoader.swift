import Foundation
import SipEndpoint

/// A configuration and what the loader had to say about the file while reading it.
public struct LoadedConfiguration: Sendable, Hashable {
    /// The configuration the file describes, defaults filled in for what it leaves out.
    public var configuration: SipEndpointConfiguration
    /// Unknown settings and Genesys settings this SDK does not act on, in file order.
    public var warnings: [ConfigurationIssue]
    /// The settings the file gave a value (not left empty, so not the default), by path:
    /// `system/diagnostics/log_level`… Covers the settings stored through the common parser, which
    /// includes every `system/…` setting; QuickStart uses it to log only when asked to.
    public var given: Set<String>

    /// A loaded configuration: `configuration`, the `warnings` found (default none) and the setting paths the
    /// file gave (default none).
    public init(configuration: SipEndpointConfiguration, warnings: [ConfigurationIssue] = [], given: Set<String> = []) {
        self.configuration = configuration
        self.warnings = warnings
        self.given = given
    }
}

/// Loads `SipEndpoint.config` (the Genesys layout) into ``SipEndpointConfiguration``.
///
/// ```swift
/// let loaded = try SipEndpointConfigLoader.load(contentsOf: "SipEndpoint.config")
/// for warning in loaded.warnings { log.warning("\(warning)") }
/// let configuration = loaded.configuration
/// ```
///
/// Every error of the file comes back at once in one ``ConfigurationError``; nothing in the input
/// can make the loader trap (it is fuzzed). Passwords never appear in an issue.
public enum SipEndpointConfigLoader {
    /// Files above this size are refused before parsing: a configuration is a few kilobytes, and
    /// this bounds the parser's memory and time. 1 MiB.
    public static let maximumFileSize = 1 << 20

    /// Reads and loads the file at `path`. `${NAME}` references are resolved from `environment`.
    public static func load(
        contentsOf path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> LoadedConfiguration {
        try load(xml: readFile(path), source: path, environment: environment)
    }

    /// Loads a document held in memory; `source` names it in issues (a path, or e.g. `<inline>`).
    public static func load(
        xml: String, source: String = "<inline>", environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> LoadedConfiguration {
        try load(xml: Data(xml.utf8), source: source, environment: environment)
    }

    /// Loads a document held in memory; `source` names it in issues (a path, or e.g. `<inline>`).
    public static func load(
        xml: Data, source: String = "<inline>", environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> LoadedConfiguration {
        guard xml.count <= maximumFileSize else {
            throw ConfigurationError(issues: [
                ConfigurationIssue(
                    .error, .fileTooLarge, file: source, line: nil, path: "",
                    message:
                        "the file is \(xml.count) bytes; a SipEndpoint.config may be at most \(maximumFileSize) bytes (1 MiB)"
                )
            ])
        }
        let root: XMLElementNode
        switch XMLElementTree.read(xml) {
        case .success(let node): root = node
        case .failure(let failure):
            throw ConfigurationError(issues: [
                ConfigurationIssue(
                    .error, failure.code, file: source, line: failure.line, column: failure.column, path: "",
                    message: failure.message)
            ])
        }
        var loader = GenesysLayoutLoader(file: source, environment: environment)
        loader.load(root: root)
        let warnings = loader.warnings.sorted(by: ConfigurationIssue.fileOrder)
        guard loader.errors.isEmpty else {
            throw ConfigurationError(issues: loader.errors.sorted(by: ConfigurationIssue.fileOrder), warnings: warnings)
        }
        return LoadedConfiguration(configuration: loader.configuration, warnings: warnings, given: loader.given)
    }

    /// At most `maximumFileSize + 1` bytes, so a huge file (or a device) is refused without reading it whole.
    private static func readFile(_ path: String) throws(ConfigurationError) -> Data {
        func unreadable(_ reason: String) -> ConfigurationError {
            ConfigurationError(issues: [
                ConfigurationIssue(
                    .error, .unreadableFile, file: path, line: nil, path: "", message: "cannot read the file: \(reason)"
                )
            ])
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw unreadable("no such file")
        }
        guard !isDirectory.boolValue else { throw unreadable("it is a directory") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw unreadable("permission denied or not a regular file")
        }
        defer { try? handle.close() }
        do {
            return try handle.read(upToCount: maximumFileSize + 1) ?? Data()
        } catch {
            throw unreadable("\(error.localizedDescription)")
        }
    }
}

extension SipEndpointConfiguration {
    /// Loads `SipEndpoint.config` at `path`, dropping the warnings; use
    /// ``SipEndpointConfigLoader/load(contentsOf:environment:)`` to see them.
    public init(
        contentsOf path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) {
        self = try SipEndpointConfigLoader.load(contentsOf: path, environment: environment).configuration
    }

    /// Loads a `SipEndpoint.config` document held in memory; `source` names it in issues.
    public init(
        xml: String, source: String = "<inline>", environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) {
        self = try SipEndpointConfigLoader.load(xml: xml, source: source, environment: environment).configuration
    }

    /// Loads a `SipEndpoint.config` document held in memory; `source` names it in issues.
    public init(
        xml: Data, source: String = "<inline>", environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) {
        self = try SipEndpointConfigLoader.load(xml: xml, source: source, environment: environment).configuration
    }
}
