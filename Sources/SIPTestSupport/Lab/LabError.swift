/// Why the lab could not do what a test asked: a missing binary, a process that would not start or
/// answer. The message names the binary or the log file to read.
public struct LabError: Error, Hashable, CustomStringConvertible, Sendable {
    /// Equality and metrics go by the code; the message is for the person reading a failed test.
    public enum Code: String, Hashable, Sendable {
        /// A binary or module the lab needs is not installed (see `Scripts/install-deps`).
        case missingPrerequisite
        /// `openssl` could not make the lab's CA or site certificates.
        case certificateGenerationFailed
        /// A process could not be spawned, or exited while it should be running.
        case processExited
        /// A process runs but did not become ready (answer OPTIONS, bind its port) before the deadline.
        case notReady
        /// An operation needs a running process and there is none.
        case notRunning
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "LabError.\(code.rawValue): \(message)" }

    public static func == (lhs: LabError, rhs: LabError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
