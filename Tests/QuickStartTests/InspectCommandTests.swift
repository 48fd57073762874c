import Foundation
import Testing

/// `QuickStart inspect` as a subprocess, as users run it.
@Suite("QuickStart inspect (subprocess)")
struct InspectCommandTests {
    static var samples: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("Samples")
    }

    @Test func samplesReportOKAndInvalidWithExitStatus() async throws {
        let good = Self.samples.appendingPathComponent("register.sip").path
        let bad = Self.samples.appendingPathComponent("invalid-ltgt-request-uri.sip").path
        let ok = try QuickStartProcess(["inspect", good])
        #expect(await ok.exitStatus() == 0)
        #expect(ok.lines == ["OK \(good): REGISTER sip:site-a.example.net"])
        let mixed = try QuickStartProcess(["inspect", good, bad])
        #expect(await mixed.exitStatus() == 1)
        #expect(mixed.lines.last?.hasPrefix("INVALID \(bad): line 1:") == true)
    }

    @Test func bareLineFeedsAreAcceptedWithAWarningAndJSONHasTheHeaders() async throws {
        let text = try String(
            contentsOfFile: Self.samples.appendingPathComponent("180-ringing.sip").path, encoding: .utf8
        )
        .replacingOccurrences(of: "\r\n", with: "\n")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lf-\(UUID().uuidString).sip").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let process = try QuickStartProcess(["inspect", "--json", path])
        #expect(await process.exitStatus() == 0, "\(process.output)")
        let object = try #require(process.objects.first)
        #expect(object["ok"] as? Bool == true && object["statusCode"] as? Int == 180)
        #expect((object["warnings"] as? [String])?.first?.contains("LF") == true)
        #expect((object["headers"] as? [[String: Any]])?.contains { $0["name"] as? String == "Record-Route" } == true)
    }
}
