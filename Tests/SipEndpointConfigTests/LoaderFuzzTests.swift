import Foundation
import SIPCore
import SipEndpoint
import Testing

@testable import SipEndpointConfig

@Suite("SipEndpoint.config loader fuzz")
struct LoaderFuzzTests {
    /// Fragments that steer mutations towards the parser's and the loader's edges.
    static let tokens: [[UInt8]] =
        [
            "<", ">", "/>", "</", "\"", "'", "&", "&amp;", "&#0;", "&#x110000;", "${", "}", "${X}", "]]>", "<![CDATA[",
            "<!--", "-->", "<?", "?>", "<!DOCTYPE a>", "<section name=\"proxy9\">", "</section>",
            "<setting name=\"reg_timeout\" value=\"1\"/>",
            "<Connectivity user=\"1\" server=\"h\"/>", "xmlns:g=\"u\"", "g:", "\u{FEFF}", "é", "\r", "\n", " ",
            "99999999999999999999",
        ].map { Array($0.utf8) } + [[0], [0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80]]

    static func mutate(_ input: [UInt8], _ rng: inout SeededRandom) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !bytes.isEmpty else { return Self.tokens.randomElement(using: &rng) ?? [] }
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<7, using: &rng) {
            case 0: bytes[at] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
            case 1: bytes[at] = UInt8.random(in: 0...255, using: &rng)
            case 2: bytes.removeSubrange(at...)
            case 3: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...64, using: &rng)))
            case 4:
                let end = min(bytes.count, at + Int.random(in: 1...400, using: &rng))
                let copy = Array(bytes[at..<end])
                bytes.insert(contentsOf: copy, at: Int.random(in: 0...bytes.count, using: &rng))
            case 5: bytes.insert(contentsOf: Self.tokens.randomElement(using: &rng) ?? [], at: at)
            default:
                let other = Int.random(in: 0..<bytes.count, using: &rng)
                bytes.swapAt(at, other)
            }
        }
        return bytes
    }

    @Test(
        "300 mutations of the sample: a configuration or a ConfigurationError, never a trap; no password leaks"
    )
    func fuzz() throws {
        let sample = [UInt8](try Data(contentsOf: URL(fileURLWithPath: ConfigTest.samplePath)))
        // By hand, for a longer hunt: CONFIG_FUZZ_ITERATIONS=100000 CONFIG_FUZZ_SEED=7 swift test --filter LoaderFuzz
        let environment = ProcessInfo.processInfo.environment
        let budget = environment["CONFIG_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 300
        var rng = SeededRandom(seed: environment["CONFIG_FUZZ_SEED"].flatMap(UInt64.init) ?? 0x5EED_C0F1_6000_0005)
        // A count, not a time: the same inputs on a loaded machine as on an idle one. The deadline only
        // stops a hang from holding the suite.
        let deadline = Date().addingTimeInterval(budget > 300 ? 3600 : 120)
        var (loaded, refused, iterations) = (0, 0, 0)
        var codes: Set<ConfigurationIssue.Code> = []
        while iterations < budget, Date() < deadline {
            iterations += 1
            let input = Self.mutate(sample, &rng)
            do {
                let result = try SipEndpointConfigLoader.load(xml: Data(input), source: "fuzz", environment: ["X": "x"])
                loaded += 1
                #expect(!result.configuration.connections.isEmpty)
                #expect(!result.warnings.map(\.description).joined().contains("pass7001"), "iteration \(iterations)")
            } catch {
                refused += 1
                #expect(!error.issues.isEmpty, "iteration \(iterations)")
                codes.formUnion(error.issues.map(\.code))
                let lines = input.filter { $0 == UInt8(ascii: "\n") }.count + 1
                #expect(
                    error.issues.allSatisfy { ($0.line ?? 1) >= 1 && ($0.line ?? 1) <= lines },
                    "iteration \(iterations): \(error)")
                #expect(!error.description.contains("pass7001"), "iteration \(iterations): \(error)")
            }
        }
        #expect(iterations == budget, "only \(iterations) of \(budget) inputs before the deadline")
        #expect(loaded > 0 && refused > 0)
        #expect(codes.contains(.malformedXML))
        print(
            "loader fuzz: \(iterations) inputs, \(loaded) loaded, \(refused) refused, codes \(codes.map(\.rawValue).sorted())"
        )
    }
}
