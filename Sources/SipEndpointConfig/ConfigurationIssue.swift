/// One finding about a `SipEndpoint.config`: where it is, how bad, and what to do about it.
///
/// Messages never carry a password: a value is quoted only when it is not a secret (see
/// ``ConfigurationIssue/isSecret(settingName:)``).
public struct ConfigurationIssue: Sendable, Hashable, CustomStringConvertible {
    /// How bad an issue is: an ``error`` stops the load (it comes back in a ``ConfigurationError``), a
    /// ``warning`` is reported and the file still loads.
    public enum Severity: String, Sendable, Hashable, Codable {
        /// The file cannot be used; the loader throws.
        case error
        /// The file loads, but something in it is ignored.
        case warning
    }

    /// What kind of issue it is, stable for programs and tests (the raw value is the name shown).
    /// `unknownSetting`, `notActedOn` and `oddValue` come with ``Severity/warning``; every other code with
    /// ``Severity/error``, about the file itself or about its settings.
    public enum Code: String, Sendable, Hashable, CaseIterable, Codable {
        // Errors: the file itself.
        /// The file cannot be opened or read.
        case unreadableFile
        /// Larger than ``SipEndpointConfigLoader/maximumFileSize``.
        case fileTooLarge
        /// Bytes that are not in the document's encoding (UTF-8 unless declared otherwise), or a NUL.
        case invalidEncoding
        /// Not well-formed XML: truncated, wrong nesting, a bad character or entity, a DTD.
        case malformedXML
        /// Well-formed, but not the Genesys layout (wrong root, a section without a name…).
        case invalidLayout

        // Errors: the settings.
        /// A `Connectivity`, `domain`, `section` or `setting` lacks a required attribute.
        case missingAttribute
        /// A value outside what the setting accepts.
        case invalidValue
        /// The same setting twice for the same scope, or a setting and its alias.
        case duplicateSetting
        /// Settings that are valid alone but not together (`sip_port_min` above `sip_port_max`…).
        case inconsistentSettings
        /// `${NAME}` names a variable that is not set, or is not a well-formed reference.
        case missingEnvironmentVariable
        /// `proxyN` with no `Connectivity` line N.
        case unknownConnection
        /// No `Connectivity` line at all.
        case noConnection

        // Warnings.
        /// A setting, section, element or attribute this SDK does not know; it is ignored.
        case unknownSetting
        /// A Genesys SIP Endpoint SDK setting this SDK knows but does not act on; it is ignored.
        case notActedOn
        /// A value that is accepted but odd (zero, tiny, or unsafe); the message says what it means
        /// and what the SDK does with it.
        case oddValue
    }

    /// Whether the issue stops the load (``Severity/error``) or is only reported (``Severity/warning``).
    public var severity: Severity
    /// The kind of issue, for programs to match on; ``message`` says it for people.
    public var code: Code
    /// The file (or the `source` name given for in-memory XML).
    public var file: String
    /// 1-based line; nil when the issue is about the whole file.
    public var line: Int?
    /// 1-based column; nil when unknown.
    public var column: Int?
    /// Where in the layout, e.g. `proxies/proxy1/reregister_in_seconds` or `Connectivity[0]/server`;
    /// empty for the whole file.
    public var path: String
    /// What is wrong and what is accepted.
    public var message: String

    /// An issue of `severity` and `code` at `file`, 1-based `line` (nil: the whole file) and `column`
    /// (default nil: unknown), layout `path` (empty: the whole file), with a `message` for people. The
    /// message is taken as given: do not put a secret's value in it (see ``isSecret(settingName:)``).
    public init(
        _ severity: Severity, _ code: Code, file: String, line: Int?, column: Int? = nil, path: String, message: String
    ) {
        self.severity = severity
        self.code = code
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    /// `file:line:column: error: path: message`, the shape compilers use, so editors can jump to it.
    public var description: String {
        var location = file
        if let line {
            location += ":\(line)"
            if let column { location += ":\(column)" }
        }
        return "\(location): \(severity.rawValue): " + (path.isEmpty ? "" : "\(path): ") + message
    }

    /// Settings whose values are never printed: anything naming a password or a secret.
    public static func isSecret(settingName name: String) -> Bool {
        let lowered = name.lowercased()
        return ["password", "passwd", "secret", "token"].contains { lowered.contains($0) }
    }
}

/// Why a `SipEndpoint.config` cannot be used: every error of the file, not only the first, and the
/// warnings found on the way. Equality is by ``code`` and the issues.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The errors, in file order; never empty.
    public var issues: [ConfigurationIssue]
    /// The warnings found before or beside the errors, in file order.
    public var warnings: [ConfigurationIssue]

    /// An error carrying `issues` (should not be empty: with none, ``code`` reads `invalidLayout`) and the
    /// `warnings` found beside them (default none).
    public init(issues: [ConfigurationIssue], warnings: [ConfigurationIssue] = []) {
        self.issues = issues
        self.warnings = warnings
    }

    /// The code of the first error: enough to tell "cannot read", "not XML" and "bad settings" apart.
    public var code: ConfigurationIssue.Code { issues.first?.code ?? .invalidLayout }

    /// One issue per line, errors and warnings together in file order; no password in it.
    public var description: String {
        (issues + warnings).sorted(by: ConfigurationIssue.fileOrder).map(\.description).joined(separator: "\n")
    }
}

extension ConfigurationIssue {
    /// File order: by line (whole-file issues first), then column, errors before warnings.
    public static func fileOrder(_ a: ConfigurationIssue, _ b: ConfigurationIssue) -> Bool {
        let la = a.line ?? 0, lb = b.line ?? 0
        if la != lb { return la < lb }
        let ca = a.column ?? 0, cb = b.column ?? 0
        if ca != cb { return ca < cb }
        return a.severity == .error && b.severity == .warning
    }
}
