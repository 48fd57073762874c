#if canImport(Glibc)
import Glibc
#endif

/// A continuous sine tone: the demo's "can you hear me" and the in-process tests' probe (detected on the
/// far side with ``GoertzelDetector``). The phase carries across frames so there is no click at each one.
package struct ToneGenerator: AudioSource, Sendable {
    /// Hertz; must stay below the Nyquist frequency (4000 Hz at 8 kHz) to be heard as itself.
    package let frequency: Double
    /// Peak as a fraction of full scale, 0…1 (clamped).
    package let amplitude: Double
    private var phase: Double = 0

    package init(frequency: Double, amplitude: Double = 0.5) {
        self.frequency = frequency
        self.amplitude = min(1, max(0, amplitude))
    }

    package mutating func nextFrame() -> [Int16]? {
        samples(count: NarrowbandAudio.samplesPerFrame)
    }

    /// The next `count` samples of the tone.
    package mutating func samples(count: Int) -> [Int16] {
        let step = 2 * Double.pi * frequency / Double(NarrowbandAudio.sampleRate)
        let peak = amplitude * Double(Int16.max)
        var out = [Int16]()
        out.reserveCapacity(count)
        for _ in 0..<max(0, count) {
            out.append(Int16((peak * sin(phase)).rounded()))
            // Kept within one turn so precision does not wander over an hour-long call.
            phase = (phase + step).truncatingRemainder(dividingBy: 2 * Double.pi)
        }
        return out
    }
}
