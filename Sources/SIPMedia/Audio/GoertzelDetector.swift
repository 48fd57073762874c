#if canImport(Glibc)
import Glibc
#endif

/// The power of one frequency in a block of samples, by the Goertzel algorithm: a single DFT bin for
/// the cost of one multiply-add per sample, which is why DTMF detectors use it. Tests use it to check
/// that a tone sent by one phone arrives at the other at the right frequency.
package struct GoertzelDetector: Sendable {
    package let frequency: Double
    package let sampleRate: Int
    private let coefficient: Double

    package init(frequency: Double, sampleRate: Int = NarrowbandAudio.sampleRate) {
        self.frequency = frequency
        self.sampleRate = sampleRate
        coefficient = 2 * cos(2 * Double.pi * frequency / Double(sampleRate))
    }

    /// The squared magnitude of the bin, normalised by N² so that it does not grow with the block length:
    /// a full-scale sine at the frequency gives about 0.25, silence 0.
    package func power(in samples: [Int16]) -> Double {
        guard !samples.isEmpty else { return 0 }
        var s1 = 0.0
        var s2 = 0.0
        for sample in samples {
            let s0 = Double(sample) / Double(Int16.max) + coefficient * s1 - s2
            s2 = s1
            s1 = s0
        }
        let magnitudeSquared = s1 * s1 + s2 * s2 - coefficient * s1 * s2
        let n = Double(samples.count)
        return magnitudeSquared / (n * n)
    }

    /// The share of the block's energy found at the frequency (0…1 for a block long enough to resolve
    /// it): a detector threshold that does not depend on how loud the call is.
    package func relativePower(in samples: [Int16]) -> Double {
        guard !samples.isEmpty else { return 0 }
        var energy = 0.0
        for sample in samples {
            let x = Double(sample) / Double(Int16.max)
            energy += x * x
        }
        guard energy > 0 else { return 0 }
        // A sine of amplitude A has mean power A²/2 and a bin power of A²/4: the ratio is 1/2 for a pure tone.
        return 2 * power(in: samples) / (energy / Double(samples.count))
    }

    /// Whether the frequency holds at least `threshold` of the block's energy.
    package func detects(in samples: [Int16], threshold: Double = 0.5) -> Bool {
        relativePower(in: samples) >= threshold
    }
}
