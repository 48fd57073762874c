/// SplitMix64 (Steele, Lea, Flood 2014) as a value: the randomness of a session machine (Via
/// branches, the §14.1 glare wait, Retry-After) comes from a seed its driver draws once from the
/// system generator, so the machine stays pure and tests replay it exactly.
package struct SeededRandom: RandomNumberGenerator, Hashable, Sendable {
    private var state: UInt64

    package init(seed: UInt64) { state = seed }

    /// Seeded from `generator` (for example `SystemRandomNumberGenerator`).
    package init(using generator: inout some RandomNumberGenerator) { state = generator.next() }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
