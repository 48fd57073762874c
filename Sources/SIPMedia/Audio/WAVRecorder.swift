import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Records what a call receives into a WAV file as it arrives, so that hours of call never sit in
/// memory (``RecordingSink`` keeps samples for tests and analysis; this is the one for users).
///
/// The file is created at once with a header whose sizes say "unknown length" (see
/// ``WAVEncoding/streamingHeader()``), so a recording cut short by a crash still reads up to its last
/// write. Frames are buffered and written about once a second: the sink runs on the media event loop,
/// where one small `write(2)` a second costs little and fifty a second would add up. ``finish()``
/// writes the rest and patches the RIFF, `fact` and `data` sizes; it runs at most once, and `deinit`
/// runs it for a recorder that was dropped without it.
///
/// Past ``maximumSeconds`` frames are counted in ``discardedSamples`` and not written, since a
/// forgotten call must not fill a disk. An I/O failure stops the recording (later samples are
/// discarded) and is kept for ``finish()`` to throw.
///
/// Sendable as a final class whose only stored state is immutable or inside a `Mutex`: the
/// application creates and finishes it, the event loop feeds it.
package final class WAVRecorder: AudioSink {
    /// The bound used when none is given: 4 hours, 230 MB of 16-bit PCM.
    package static let defaultMaximumSeconds = 4 * 3600

    package let path: String
    package let encoding: WAVEncoding
    /// Seconds of audio written at most; 0 records nothing. Default: ``defaultMaximumSeconds`` (4 hours).
    package let maximumSeconds: Int

    private struct State: Sendable {
        /// -1 once closed.
        var descriptor: Int32
        var buffer: [UInt8] = []
        /// Samples accepted: written or waiting in `buffer`.
        var samples = 0
        var discardedSamples = 0
        var failure: WAVFileError?
        var finished = false
    }

    private let state: Mutex<State>
    private let maximumSamples: Int
    /// Encoded bytes gathered before one write: about a second of audio.
    private let flushThreshold: Int

    /// Creates (or truncates) the file at `path` and writes its header.
    ///
    /// - Parameters:
    ///   - encoding: how samples are stored. Default: `.pcm16`.
    ///   - maximumSeconds: the bound on the audio written. Default: 4 hours.
    /// - Throws: ``WAVFileError/Code/fileSystem`` naming the path and the errno when the file cannot be
    ///   created or its header written.
    package init(path: String, encoding: WAVEncoding = .pcm16, maximumSeconds: Int = WAVRecorder.defaultMaximumSeconds)
        throws(WAVFileError)
    {
        self.path = path
        self.encoding = encoding
        self.maximumSeconds = max(0, maximumSeconds)
        // The data size is a UInt32: keep below 4 GiB whatever was asked (about 37 hours of PCM).
        let fitsInHeader = (Int(UInt32.max) - encoding.headerSize - 1) / encoding.bytesPerSample
        let (asked, overflow) = self.maximumSeconds.multipliedReportingOverflow(by: NarrowbandAudio.sampleRate)
        maximumSamples = overflow ? fitsInHeader : min(asked, fitsInHeader)
        flushThreshold = NarrowbandAudio.sampleRate * encoding.bytesPerSample

        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.failure("cannot create", path) }
        if let failure = Self.writeAll(encoding.streamingHeader(), to: descriptor, at: nil, path: path) {
            close(descriptor)
            throw failure
        }
        var initial = State(descriptor: descriptor)
        initial.buffer.reserveCapacity(flushThreshold + encoding.bytesPerSample * NarrowbandAudio.samplesPerFrame)
        state = Mutex(initial)
    }

    deinit {
        try? finish()
    }

    /// Samples accepted so far (written or about to be).
    package var recordedSamples: Int { state.withLock { $0.samples } }

    /// Samples not written: past ``maximumSeconds``, after ``finish()``, or after an I/O failure.
    package var discardedSamples: Int { state.withLock { $0.discardedSamples } }

    package func consume(_ frame: [Int16]) {
        state.withLock { state in
            let room = state.finished || state.failure != nil ? 0 : max(0, maximumSamples - state.samples)
            let kept = min(room, frame.count)
            state.discardedSamples += frame.count - kept
            guard kept > 0 else { return }
            encoding.append(frame.prefix(kept), to: &state.buffer)
            state.samples += kept
            if state.buffer.count >= flushThreshold { flush(&state) }
        }
    }

    /// Writes what is buffered, patches the header with the real sizes and closes the file. Later calls
    /// do nothing more and give the same outcome.
    ///
    /// - Throws: the first ``WAVFileError/Code/fileSystem`` failure of the recording, if there was one
    ///   (the file then holds what was written before it).
    package func finish() throws(WAVFileError) {
        try state.withLock { (state) throws(WAVFileError) in
            if !state.finished {
                state.finished = true
                flush(&state)
                if state.failure == nil, state.samples * encoding.bytesPerSample % 2 == 1 {
                    state.failure = Self.writeAll([0], to: state.descriptor, at: nil, path: path)  // RIFF pad byte
                }
                if state.failure == nil {
                    state.failure = Self.writeAll(
                        encoding.header(sampleCount: state.samples), to: state.descriptor, at: 0, path: path)
                }
                if close(state.descriptor) != 0, state.failure == nil {
                    state.failure = Self.failure("cannot close", path)
                }
                state.descriptor = -1
            }
            if let failure = state.failure { throw failure }
        }
    }

    private func flush(_ state: inout State) {
        guard !state.buffer.isEmpty, state.failure == nil else { return }
        state.failure = Self.writeAll(state.buffer, to: state.descriptor, at: nil, path: path)
        if state.failure != nil {
            // Counted as lost rather than recorded (part of it may have reached the file).
            let lost = state.buffer.count / encoding.bytesPerSample
            state.samples -= lost
            state.discardedSamples += lost
        }
        state.buffer.removeAll(keepingCapacity: true)
    }

    /// Writes all of `bytes` at the end of the file, or at `offset` (`pwrite(2)`, which leaves the end
    /// where it is); nil when it did, the failure otherwise.
    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, at offset: off_t?, path: String)
        -> WAVFileError?
    {
        bytes.withUnsafeBytes { buffer -> WAVFileError? in
            var done = 0
            // Each round either writes at least one byte or fails, so the loop ends; EINTR retries.
            while done < buffer.count {
                let rest = buffer.count - done
                let pointer = buffer.baseAddress.map { $0 + done }
                let written =
                    offset.map { pwrite(descriptor, pointer, rest, $0 + off_t(done)) }
                    ?? write(descriptor, pointer, rest)
                if written > 0 {
                    done += written
                } else if written < 0, errno == EINTR {
                    continue
                } else {
                    return failure("cannot write", path)
                }
            }
            return nil
        }
    }

    private static func failure(_ what: String, _ path: String) -> WAVFileError {
        let code = errno
        let reason = strerror(code).map { String(cString: $0) } ?? "unknown error"
        return WAVFileError(.fileSystem, "\(what) \(path): \(reason) (errno \(code))")
    }
}
