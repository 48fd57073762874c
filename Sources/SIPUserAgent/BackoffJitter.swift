/// The random factor of RFC 5626 §4.5 ("a random number between 50 and 100 % of W"), as an input:
/// a fixed fraction for tests, or a seeded SplitMix64 sequence the driver seeds from the system
/// generator. A value, so the machine stays a pure `Hashable` struct.
package struct BackoffJitter: Hashable, Sendable {
    private enum Source: Hashable, Sendable {
        case fixed(Double)
        case seeded(UInt64)
    }

    private var source: Source

    /// Always this fraction of the ceiling, clamped to [0.5, 1.0].
    package static func fixed(_ fraction: Double) -> BackoffJitter {
        BackoffJitter(source: .fixed(min(1.0, max(0.5, fraction.isNaN ? 1.0 : fraction))))
    }

    /// A deterministic sequence from `seed`.
    package static func seeded(_ seed: UInt64) -> BackoffJitter { BackoffJitter(source: .seeded(seed)) }

    /// Seeded from `generator` (for example `SystemRandomNumberGenerator`).
    package init(using generator: inout some RandomNumberGenerator) { source = .seeded(generator.next()) }

    private init(source: Source) { self.source = source }

    /// The next fraction, in [0.5, 1.0].
    package mutating func nextFraction() -> Double {
        switch source {
        case .fixed(let f):
            return f
        case .seeded(var state):
            // SplitMix64 (Steele, Lea, Flood 2014).
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            source = .seeded(state)
            return 0.5 + 0.5 * (Double(z >> 11) / Double(1 << 53))
        }
    }
}
