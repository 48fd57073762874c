import Synchronization

/// An echo: what the call receives is sent back, the classic "is the media path working both ways"
/// test line. Plug ``sink`` in as the call's receiver and ``source`` as its sender.
///
/// Between the two sits a bounded FIFO of frames. The jitter buffer hands the sink frames in bursts
/// while the sender takes one every 20 ms, so a few frames of slack keep the echo whole; past
/// ``capacity`` the oldest frame is dropped (and counted), so the delay never grows beyond
/// `capacity × 20 ms` however long the two clocks drift apart. When nothing is buffered the source
/// sends silence rather than ending: an echo lasts as long as the call.
///
/// Sendable: its only mutable state is inside a `Mutex`; the sink and the source run on the media
/// event loop, the application may read the counters from anywhere.
package final class AudioEcho: Sendable {
    /// Frames held at most when none is given: 10 frames, 200 ms.
    package static let defaultCapacity = 10

    /// Frames held at most (at least 1). Default: ``defaultCapacity`` (10 frames, 200 ms).
    package let capacity: Int

    private struct State: Sendable {
        var frames: [[Int16]] = []
        var droppedFrames = 0
    }

    private let state = Mutex(State())

    package init(capacity: Int = AudioEcho.defaultCapacity) {
        self.capacity = max(1, capacity)
    }

    /// Where the call's received audio goes in.
    package var sink: some AudioSink { AudioEchoSink(echo: self) }

    /// Where the call's audio to send comes from: the oldest buffered frame, or silence.
    package var source: some AudioSource { AudioEchoSource(echo: self) }

    /// Frames waiting to be sent back.
    package var bufferedFrames: Int { state.withLock { $0.frames.count } }

    /// Frames dropped because the FIFO was full.
    package var droppedFrames: Int { state.withLock { $0.droppedFrames } }

    fileprivate func push(_ frame: [Int16]) {
        state.withLock { state in
            // At most `capacity` (small) frames, so removing from the front costs a few pointer moves.
            if state.frames.count >= capacity {
                state.frames.removeFirst()
                state.droppedFrames += 1
            }
            state.frames.append(frame)
        }
    }

    fileprivate func pop() -> [Int16] {
        let frame = state.withLock { state in state.frames.isEmpty ? nil : state.frames.removeFirst() }
        // A source gives exactly one frame; received frames already are one, this only guards the rule.
        guard var frame else { return [Int16](repeating: 0, count: NarrowbandAudio.samplesPerFrame) }
        if frame.count != NarrowbandAudio.samplesPerFrame {
            frame = Array(frame.prefix(NarrowbandAudio.samplesPerFrame))
            frame += repeatElement(0, count: NarrowbandAudio.samplesPerFrame - frame.count)
        }
        return frame
    }
}

private struct AudioEchoSink: AudioSink {
    let echo: AudioEcho
    func consume(_ frame: [Int16]) { echo.push(frame) }
}

private struct AudioEchoSource: AudioSource {
    let echo: AudioEcho
    func nextFrame() -> [Int16]? { echo.pop() }
}
