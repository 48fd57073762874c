import Foundation
import SIPTestSupport
import Testing

/// The fuzz targets, built normally (without libFuzzer), replay their seed corpus through the same
/// entry point the fuzzer drives: every seed must pass the target's checks (no trap, every round trip
/// equal, every invariant kept). A seed that once found a bug stays a regression test this way.
@Suite struct FuzzCorpusTests {
    static let fuzzDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "Fuzz")

    @Test(arguments: [("SIPParserFuzzer", "seeds"), ("SIPMediaFuzzer", "seeds-media")])
    func everySeedPasses(target: String, corpus: String) async throws {
        let executable = try builtExecutable(target)
        let seeds = Self.fuzzDirectory.appending(path: corpus)
        let count = try FileManager.default.contentsOfDirectory(atPath: seeds.path).count
        #expect(count > 0)
        let process = Process()
        process.executableURL = executable
        process.arguments = [seeds.path]
        process.environment = ["SWIFT_BACKTRACE": "enable=no"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let text = String(decoding: try await process.runToItsEnd(reading: output), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(target) failed on a seed:\n\(text)")
        #expect(text.contains("replayed \(count) inputs"), "\(text)")
    }
}
