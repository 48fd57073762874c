/// What a call sends: plug one into a session with ``Session/play(_:)``. G.711 encoding is
/// built in; every source gives 8 kHz 16-bit mono audio.
public enum MediaSource: Sendable, Hashable {
    /// Silence, what a call sends until something else is plugged in.
    case silence
    /// A sine tone; amplitude is a fraction of full scale, 0…1.
    case tone(frequency: Double, amplitude: Double = 0.3)
    /// A WAV file: 8 kHz mono 16-bit PCM, or G.711 (µ-law or A-law). Silence follows its end unless
    /// `loop` is set.
    case file(path: String, loop: Bool = false)
    /// What the call receives is sent back (about 60 ms later, the jitter buffer's delay).
    case echo
}

/// How ``Session/record(to:encoding:)`` writes its WAV file.
public enum RecordingEncoding: String, Sendable, Hashable, CaseIterable {
    /// 16-bit linear PCM, the default: every audio tool reads it.
    case pcm16
    /// G.711 µ-law, 8 bits a sample.
    case pcmu
    /// G.711 A-law, 8 bits a sample.
    case pcma
}
