import Foundation
import SipEndpoint
import Testing

@testable import SipEndpointConfig

/// The one table of settings against what the SDK does and what the sample file says.
@Suite("Settings catalogue")
struct SettingsCatalogueTests {
    /// A file with one Connectivity line and no setting: every value in force is a default.
    static func defaults() throws -> [String: String] {
        let text = ConfigTest.document(connectivity: [ConfigTest.siteA])
        let loaded = try SipEndpointConfigLoader.load(xml: text, source: "defaults.config", environment: [:])
        return Dictionary(uniqueKeysWithValues: loaded.configuration.effectiveSettings.map { ($0.path, $0.value) })
    }

    @Test("each entry's default is the value in force when the file leaves the setting out")
    func defaultsMatchTheCode() throws {
        let effective = try Self.defaults()
        for definition in SettingsCatalogue.all {
            let path =
                definition.scope == .connection
                ? "proxies/proxy0/\(definition.name)" : "\(definition.scope.path)/\(definition.name)"
            #expect(effective[path] == definition.defaultValue, "\(path)")
        }
        // Nothing in force escapes the table (Connectivity attributes aside).
        let listed = SettingsCatalogue.all.count
        #expect(effective.keys.filter { !$0.hasPrefix("Connectivity[") }.count == listed)
    }

    @Test("the sample documents every entry: its section, the comment before it with the default and accepted values")
    func sampleDocumentsEveryEntry() throws {
        let lines = try String(contentsOfFile: ConfigTest.samplePath, encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for definition in SettingsCatalogue.all {
            let sectionName =
                definition.scope == .connection ? "proxy0" : String(definition.scope.path.split(separator: "/")[1])
            let section = try #require(
                lines.firstIndex { $0.contains("<section name=\"\(sectionName)\"") }, "no section \(sectionName)")
            let end = try #require(lines[section...].firstIndex { $0.contains("</section>") })
            let index = try #require(
                lines[section..<end].firstIndex { $0.contains("<setting name=\"\(definition.name)\"") },
                "section \(sectionName) of the sample lacks \(definition.name)")
            let comment = Self.comment(before: index, in: lines)
            #expect(
                comment.contains("Default: \(definition.defaultText)"),
                "\(definition.name): the comment does not say \"Default: \(definition.defaultText)\": \(comment)")
            #expect(
                comment.contains(definition.accepts),
                "\(definition.name): the comment does not say what it accepts (\(definition.accepts)): \(comment)")
            for alias in definition.aliases {
                #expect(comment.contains(alias), "\(definition.name): the comment does not name the alias \(alias)")
            }
        }
    }

    @Test("every name and alias of the table is loaded, none falls through to the unknown-setting warning")
    func everyEntryLoads() throws {
        for definition in SettingsCatalogue.all {
            for name in [definition.name] + definition.aliases {
                let settings =
                    definition.scope == .connection
                    ? ConfigTest.section("proxies/proxy0", [(name, definition.defaultValue)])
                    : ConfigTest.section(definition.scope.path, [(name, definition.defaultValue)])
                let text = ConfigTest.document(connectivity: [ConfigTest.siteA], settings: settings)
                let loaded = try SipEndpointConfigLoader.load(xml: text, source: "one.config", environment: [:])
                #expect(
                    !loaded.warnings.contains { $0.code == .unknownSetting || $0.code == .notActedOn },
                    "\(name): \(loaded.warnings.map(\.description))")
            }
        }
    }

    /// The comment lines above `index`, skipping the other settings of a pair written under one comment.
    static func comment(before index: Int, in lines: [String]) -> String {
        var cursor = index - 1
        while cursor >= 0, lines[cursor].trimmingCharacters(in: .whitespaces).hasPrefix("<setting ") { cursor -= 1 }
        var comment: [String] = []
        while cursor >= 0 {
            let line = lines[cursor]
            comment.insert(line.trimmingCharacters(in: .whitespaces), at: 0)
            if line.contains("<!--") { break }
            cursor -= 1
        }
        return comment.joined(separator: " ")
    }
}
