/// Narrowband telephone audio as the media session handles it: 8 kHz, 16-bit signed linear, mono,
/// cut into 20 ms frames (RFC 3551 §4.5.14: PCMU/PCMA at 8000 Hz with a default ptime of 20 ms).
package enum NarrowbandAudio {
    /// Samples per second.
    package static let sampleRate = 8000
    /// Samples in one 20 ms frame, also the RTP timestamp increment of one PCMU/PCMA packet.
    package static let samplesPerFrame = 160
}

/// Something that gives the session audio to send, one frame at a time. Sendable because the
/// application makes it on its own thread and hands it to the media event loop, which calls it every 20 ms.
package protocol AudioSource: Sendable {
    /// The next ``NarrowbandAudio/samplesPerFrame`` samples, or nil once the source has nothing more
    /// (a file played to its end); the session then sends silence or stops, as it is told.
    mutating func nextFrame() -> [Int16]?
}

/// Something the session hands received audio to, one decoded 20 ms frame at a time, on the media
/// event loop: a sink must not block there. Sendable for the same reason as ``AudioSource``; a class
/// conforms with a non-mutating `consume`.
package protocol AudioSink: Sendable {
    mutating func consume(_ frame: [Int16])
}

/// Silence for ever: what a call sends when the application plugged nothing in.
package struct SilenceSource: AudioSource, Sendable {
    package init() {}
    package mutating func nextFrame() -> [Int16]? { [Int16](repeating: 0, count: NarrowbandAudio.samplesPerFrame) }
}

/// Keeps every sample it is given, to write a WAV file or analyse afterwards. Bounded, because a call
/// may last for hours: samples past ``capacity`` are counted in ``discardedSamples`` and not kept.
package struct RecordingSink: AudioSink, Sendable {
    package private(set) var samples: [Int16] = []
    package private(set) var discardedSamples = 0
    package let capacity: Int

    /// - Parameter capacity: samples kept at most; the default is one hour at 8 kHz (57.6 MB).
    package init(capacity: Int = 3600 * NarrowbandAudio.sampleRate) {
        self.capacity = max(0, capacity)
    }

    package mutating func consume(_ frame: [Int16]) {
        let room = capacity - samples.count
        samples.append(contentsOf: frame.prefix(room))
        discardedSamples += max(0, frame.count - room)
    }
}
