import Foundation
import SipEndpoint
import Testing

@testable import SipEndpointConfig

/// Builders and lookups shared by the loader tests.
enum ConfigTest {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let samplePath = packageRoot.appendingPathComponent("SipEndpoint.config.sample").path

    static let siteA = #"<Connectivity user="7001" server="127.0.0.2:5060" protocol="UDP"/>"#
    static let siteB = #"<Connectivity user="7001" server="127.0.0.3:5061" protocol="TLS"/>"#

    /// A document with the given Connectivity lines and the inside of `<settings>`, one element per line.
    static func document(connectivity: [String] = [siteA, siteB], settings: String = "") -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <SipEndpoint>
          <Container name="Basic">
        \(connectivity.map { "    " + $0 }.joined(separator: "\n"))
          </Container>
          <Container name="Genesys">
            <settings>
        \(settings)
            </settings>
          </Container>
        </SipEndpoint>

        """
    }

    /// `<domain name=D><section name=S> settings </section></domain>`, one setting per line.
    static func section(_ path: String, _ settings: [(String, String)]) -> String {
        let parts = path.split(separator: "/").map(String.init)
        var text = "      <domain name=\"\(parts[0])\">\n"
        for (depth, name) in parts.dropFirst().enumerated() {
            text += String(repeating: "  ", count: depth + 4) + "<section name=\"\(name)\">\n"
        }
        for (name, value) in settings {
            text += String(repeating: "  ", count: parts.count + 3) + "<setting name=\"\(name)\" value=\"\(value)\"/>\n"
        }
        for depth in (0..<(parts.count - 1)).reversed() {
            text += String(repeating: "  ", count: depth + 4) + "</section>\n"
        }
        return text + "      </domain>"
    }

    /// 1-based line of the first line containing `needle` (after `occurrence - 1` earlier ones).
    static func line(of needle: String, in text: String, occurrence: Int = 1) -> Int? {
        var seen = 0
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where line.contains(needle) {
            seen += 1
            if seen == occurrence { return index + 1 }
        }
        return nil
    }

    static func load(_ xml: String, environment: [String: String] = [:]) throws(ConfigurationError)
        -> LoadedConfiguration
    {
        try SipEndpointConfigLoader.load(xml: xml, source: "test.config", environment: environment)
    }

    /// The error the document must produce; records a test failure (and returns nil) when it loads.
    static func error(
        _ xml: String, environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation
    ) -> ConfigurationError? {
        do {
            let loaded = try load(xml, environment: environment)
            Issue.record(
                "expected an error, loaded \(loaded.configuration.connections.count) connections",
                sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    /// The single error of the document.
    static func onlyIssue(
        _ xml: String, environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation
    ) -> ConfigurationIssue? {
        guard let error = error(xml, environment: environment, sourceLocation: sourceLocation) else { return nil }
        #expect(error.issues.count == 1, "\(error)", sourceLocation: sourceLocation)
        return error.issues.first
    }
}
