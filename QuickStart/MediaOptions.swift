import ArgumentParser
import Foundation
import SIPMedia
import SipEndpoint

/// `--play`, `--record`, `--record-encoding`: what a QuickStart call sends, and where what it receives
/// is written. Checked before anything is dialled, so a typo costs no call.
struct MediaOptions: ParsableArguments {
    @Option(help: "What the call sends: a WAV file (8 kHz mono, 16-bit PCM or G.711) or tone:FREQ (e.g. tone:440).")
    var play: String?

    @Option(help: "Record what the call receives to this WAV file.")
    var record: String?

    @Option(help: "The recording's encoding: pcm16, pcmu or pcma.")
    var recordEncoding: RecordingEncoding = .pcm16

    /// Checks the options before anything is started; a bad one is reported and exits 2 (bad usage,
    /// as QuickStart's other usage errors).
    func check(output: Output) throws {
        do {
            if let play { _ = try MediaArgument.source(play) }
            if let record { try MediaArgument.checkRecordable(record) }
        } catch {
            output.error(error.message)
            output.result(command: "dial", ok: false, detail: error.message)
            throw ExitCode(2)
        }
    }

    /// The source `--play` names (checked by ``check(output:)``).
    var source: MediaSource? {
        get throws { try play.map { try MediaArgument.source($0) } }
    }

    /// Plugs the options into a live session.
    func apply(to session: Session) async throws {
        if let source = try source { try await session.play(source) }
        if let record { try await session.record(to: record, encoding: recordEncoding) }
    }
}

extension RecordingEncoding: ExpressibleByArgument {}

/// The media words QuickStart understands, shared by `dial`'s options and `run`'s `play` / `record`.
enum MediaArgument {
    /// `tone:FREQ`, `silence`, `echo`, or a WAV path that is read now: a file that is missing or not
    /// a WAV we play fails here with its reason, not as silence in the middle of a call. `name` is what
    /// the message calls the argument (`dial`'s option); `run` names its command itself.
    static func source(_ text: String, as name: String? = "--play") throws(ValidationError) -> MediaSource {
        let what = name.map { "\($0) \(text)" } ?? text
        if text.lowercased().hasPrefix("tone:") {
            // Below half the 8 kHz sample rate, or the tone folds back as another frequency.
            guard let frequency = Double(text.dropFirst(5)), frequency > 0, frequency < 4000 else {
                throw ValidationError(
                    "\(what): a tone is tone:FREQ with FREQ in hertz between 1 and 3999, e.g. tone:440")
            }
            return .tone(frequency: frequency)
        }
        switch text.lowercased() {
        case "silence": return .silence
        case "echo": return .echo
        default: break
        }
        guard FileManager.default.isReadableFile(atPath: text) else {
            throw ValidationError("\(what): no such readable file (a WAV path, or tone:FREQ)")
        }
        do {
            _ = try WAVFile(contentsOf: text)
        } catch {
            throw ValidationError("\(what): cannot play it: \(error)")
        }
        return .file(path: text)
    }

    /// The recording's directory exists and is writable (the file itself is created when the call
    /// connects).
    static func checkRecordable(_ path: String, as name: String? = "--record") throws(ValidationError) {
        let what = name.map { "\($0) \(path)" } ?? path
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue,
            FileManager.default.isWritableFile(atPath: directory)
        else {
            throw ValidationError("\(what): \(directory) is not a writable directory")
        }
    }
}
