import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Where ``FileLogHandler`` lines go: a file opened for appending with mode 0600, or standard error.
///
/// Each line is one `write(2)` under a lock. The SDK logs from its event loops, so a write must not
/// block one for long: to a local file or a terminal it costs microseconds (the kernel copies the
/// bytes into its page cache or the tty buffer and returns), the lock is held for that write only,
/// and nothing is queued, so a burst of logging cannot grow memory. A log on a slow network file
/// system, or standard error piped into a reader that stopped, would stall the loop; QuickStart's
/// `log_file` is meant for a local path.
public final class LogFile: Sendable {
    /// The file's path as given to ``init(path:)``; nil for ``standardError``.
    public let path: String?
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private let lock = Mutex(())

    /// Opens `path` for appending (O_APPEND: lines from several processes do not overwrite each
    /// other), creating it with mode 0600; a file that existed is set to 0600 too. A symbolic link at
    /// the path is refused.
    public init(path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            throw SipEndpointError(
                .invalidConfiguration, "cannot open the log file \(path): \(String(cString: strerror(errno)))")
        }
        guard fchmod(descriptor, 0o600) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw SipEndpointError(
                .invalidConfiguration, "cannot make the log file \(path) private (mode 0600): \(reason)")
        }
        self.path = path
        self.descriptor = descriptor
        self.ownsDescriptor = true
    }

    private init(standardError: Void) {
        path = nil
        descriptor = STDERR_FILENO
        ownsDescriptor = false
    }

    /// Standard error (the default of `log_file`).
    public static let standardError = LogFile(standardError: ())

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    /// Appends one line (a newline is added). A failed write is dropped: logging must not stop a call.
    public func write(line: String) {
        var bytes = Array((line + "\n").utf8)
        lock.withLock { _ in _ = SIPTraceFile.writeAll(descriptor, &bytes) }
    }
}

/// A swift-log handler writing one line per record to a ``LogFile``:
///
///     2026-12-06T03:40:00.123Z info sip.endpoint: connection 0 registering → ready: 200 OK sip.connection=0
///
/// Time (UTC, milliseconds), level, label, the message, then the metadata as `key=value` in key order.
/// Control characters in the message and the metadata (which may quote a peer's reason phrase or a
/// header value) are removed, so a record is always one line and cannot drive a terminal that shows
/// the log (``TerminalText``). Nothing in the SDK logs a SIP message or a header value: the digest
/// credentials a message may carry never reach a log (the trace file masks them).
public struct FileLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let file: LogFile

    /// A handler for the logger `label` (written on each line) that writes to `file`, dropping records below
    /// `level` (default `.info`). `metadataProvider` (default nil) adds metadata to every record: its values
    /// override the handler's ``metadata``, and a record's own metadata overrides both.
    public init(
        label: String, file: LogFile, level: Logger.Level = .info, metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.label = label
        self.file = file
        self.logLevel = level
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        if let error = event.error { merged["error"] = "\(error)" }
        file.write(
            line: Self.format(
                time: Date(), level: event.level, label: label, message: event.message.description, metadata: merged))
    }

    /// One record as its line (no trailing newline).
    package static func format(
        time: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata
    ) -> String {
        var line =
            time.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)) + " \(level) \(label): "
            + TerminalText.clean(message)
        for key in metadata.keys.sorted() {
            line += " " + TerminalText.clean(key) + "=" + TerminalText.clean("\(metadata[key]!)")
        }
        return line
    }

    /// A Logger writing to `file` at `level`, labelled `sip.endpoint`; what QuickStart passes to
    /// ``Phone/init(configuration:logger:trace:metrics:)`` for the configuration's `log_level` and
    /// `log_file`.
    public static func logger(file: LogFile, level: DiagnosticsConfiguration.LogLevel, label: String = "sip.endpoint")
        -> Logger
    {
        var logger = Logger(label: label) { label in FileLogHandler(label: label, file: file) }
        logger.logLevel = level.swiftLogLevel
        return logger
    }
}

extension DiagnosticsConfiguration.LogLevel {
    /// The swift-log level of the same name.
    public var swiftLogLevel: Logger.Level {
        switch self {
        case .trace: .trace
        case .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error: .error
        case .critical: .critical
        }
    }
}
