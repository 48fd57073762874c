import Testing

@testable import SIPMedia

@Suite("G.711 µ-law and A-law")
struct G711Tests {
    @Test func muLawKnownValues() {
        #expect(G711MuLaw.encode(0) == 0xFF)
        #expect(G711MuLaw.decode(0xFF) == 0)
        #expect(G711MuLaw.decode(0x7F) == 0)  // "negative zero"
        #expect(G711MuLaw.decode(0x80) == 32_124)
        #expect(G711MuLaw.decode(0x00) == -32_124)
        #expect(G711MuLaw.decode(0xFE) == 8)
        #expect(G711MuLaw.decode(0x7E) == -8)
        #expect(G711MuLaw.encode(.max) == 0x80)
        #expect(G711MuLaw.encode(.min) == 0x00)
        #expect(G711MuLaw.encode(8) == 0xFE)
        #expect(G711MuLaw.encode(-8) == 0x7E)
    }

    @Test func aLawKnownValues() {
        #expect(G711ALaw.encode(0) == 0xD5)
        #expect(G711ALaw.decode(0xD5) == 8)
        #expect(G711ALaw.decode(0x55) == -8)
        #expect(G711ALaw.decode(0xAA) == 32_256)
        #expect(G711ALaw.decode(0x2A) == -32_256)
        #expect(G711ALaw.encode(.max) == 0xAA)
        #expect(G711ALaw.encode(.min) == 0x2A)
        #expect(G711ALaw.encode(-1) == 0x55)
    }

    /// Every code decodes to a value that encodes back to it (µ-law's negative zero 0x7F excepted: it
    /// decodes to 0, whose code is 0xFF).
    @Test func everyCodeSurvivesARoundTrip() {
        for code in UInt8.min...UInt8.max {
            #expect(G711ALaw.encode(G711ALaw.decode(code)) == code)
            #expect(G711MuLaw.encode(G711MuLaw.decode(code)) == (code == 0x7F ? 0xFF : code))
        }
    }

    /// The companders are odd functions: the code with the sign bit flipped decodes to the negated value.
    @Test func decodingIsSymmetricAboutZero() {
        for code in UInt8(0)...UInt8(0x7F) {
            #expect(G711MuLaw.decode(code) == -G711MuLaw.decode(code | 0x80))
            #expect(G711ALaw.decode(code) == -G711ALaw.decode(code | 0x80))
        }
    }

    /// Decoded values grow with the magnitude bits, and encoding any sample picks the nearest step below.
    @Test func encodingIsMonotonicAndCloseOverTheWholeRange() {
        var previousMu = G711MuLaw.decode(G711MuLaw.encode(.min))
        var previousA = G711ALaw.decode(G711ALaw.encode(.min))
        for sample in stride(from: Int(Int16.min), through: Int(Int16.max), by: 7) {
            let value = Int16(sample)
            let mu = G711MuLaw.decode(G711MuLaw.encode(value))
            let a = G711ALaw.decode(G711ALaw.encode(value))
            #expect(mu >= previousMu && a >= previousA)
            // Both laws step by 1,024 in the top segment; the margin covers clipping at the ends.
            #expect(abs(Int(mu) - sample) <= 1_024 + 700)
            #expect(abs(Int(a) - sample) <= 1_024 + 600)
            previousMu = mu
            previousA = a
        }
    }

    @Test func arraysConvertSampleBySample() {
        let samples: [Int16] = [0, 1_000, -1_000, 16_000, -16_000]
        #expect(G711MuLaw.decode(G711MuLaw.encode(samples)).count == samples.count)
        #expect(G711ALaw.encode(samples) == samples.map { G711ALaw.encode($0) })
    }
}
