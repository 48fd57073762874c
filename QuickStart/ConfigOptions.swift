import ArgumentParser
import Logging
import SipEndpoint
import SipEndpointConfig

/// `--config FILE`, shared by every subcommand that needs a configuration.
struct ConfigOptions: ParsableArguments {
    @Option(help: "The SipEndpoint.config file to load.")
    var config = "./SipEndpoint.config"

    /// Loads the file the same way `validate` does; a bad file is reported on standard error and exits 2.
    /// With it, the Logger for its phone. `system/diagnostics`: when the file sets
    /// `log_level` or `log_file`, the SDK's log goes to `log_file` (standard error when empty) at
    /// `log_level` (info when empty); when it sets neither, QuickStart logs nothing, like the library,
    /// and its own event lines say what happens. A log file that cannot be opened exits 2.
    func loadWithLogger(output: Output) throws -> (configuration: SipEndpointConfiguration, logger: Logger) {
        let loaded: LoadedConfiguration
        do {
            loaded = try SipEndpointConfigLoader.load(contentsOf: config)
        } catch {
            output.error("\(error)")
            throw ExitCode(2)
        }
        for warning in loaded.warnings { output.error("warning: \(warning)") }
        let diagnostics = loaded.configuration.diagnostics
        guard !loaded.given.isDisjoint(with: ["system/diagnostics/log_level", "system/diagnostics/log_file"]) else {
            return (loaded.configuration, Logger(label: "sip.endpoint", factory: { _ in SwiftLogNoOpLogHandler() }))
        }
        let file: LogFile
        if let path = diagnostics.logFile, !path.isEmpty {
            do {
                file = try LogFile(path: path)
            } catch {
                output.error("\(error)")
                throw ExitCode(2)
            }
        } else {
            file = .standardError
        }
        return (loaded.configuration, FileLogHandler.logger(file: file, level: diagnostics.logLevel))
    }
}

/// `--trace-credentials` and `--trace-max-bytes`, beside each command's `--trace FILE`.
struct TraceOptions: ParsableArguments {
    @Flag(
        help:
            "Write Authorization and Proxy-Authorization values unmasked in the --trace file (they allow an offline password guess)."
    )
    var traceCredentials = false

    @Option(help: "Rotate the --trace file to FILE.1 past this many bytes (one old file is kept).")
    var traceMaxBytes = SIPTraceFile.defaultMaximumBytes

    /// The trace file at `path`: mode 0600, credentials masked unless asked for, rotated at the limit.
    func open(_ path: String) throws -> SIPTraceFile {
        try SIPTraceFile(path: path, includeCredentials: traceCredentials, maximumBytes: traceMaxBytes)
    }

    func validate() throws {
        guard traceMaxBytes >= 4096 else { throw ValidationError("--trace-max-bytes must be at least 4096") }
    }
}
