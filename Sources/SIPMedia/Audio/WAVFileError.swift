/// Why a WAV file could not be read or written. Equality is by ``code``.
package struct WAVFileError: Error, Hashable, Sendable, CustomStringConvertible {
    package enum Code: String, Hashable, Sendable {
        /// The bytes are not a RIFF/WAVE file, or a chunk runs past the end.
        case malformed
        /// A WAVE file, but not 8000 Hz mono 16-bit linear PCM or 8-bit G.711 (µ-law, A-law).
        case unsupportedFormat
        /// No `fmt ` chunk before the `data` chunk, or no `data` chunk.
        case missingChunk
        /// The file could not be opened, read, written or closed; the detail names the path and the cause.
        case fileSystem
    }

    package let code: Code
    package let detail: String

    package init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    package static func == (lhs: WAVFileError, rhs: WAVFileError) -> Bool { lhs.code == rhs.code }
    package func hash(into hasher: inout Hasher) { hasher.combine(code) }
    package var description: String { "WAV file: \(detail)" }
}
