import Foundation
import SIPTestSupport
import Testing

/// Package.swift opens with the layers drawn as arrows (`A → B, C`), the first thing a newcomer reads.
/// SwiftPM's own reading of the manifest (`swift package dump-package`) says what each target really
/// depends on. The two must agree, so the picture never drifts from the build: every shipped target
/// (everything outside Tests/, Benchmarks/, Examples/ and Fuzz/) has its arrow, and each arrow lists exactly the targets
/// of this package the target declares. (Imports are held to the declarations by the build itself:
/// `Scripts/test` builds with `--explicit-target-dependency-import-check error`.)
@Suite struct PackageGraphTests {
    @Test func theCommentsArrowsAreTheDeclaredDependencies() async throws {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let manifest = try String(contentsOf: root.appending(path: "Package.swift"), encoding: .utf8)
        let drawn = Self.arrows(in: manifest)
        let declared = try await Self.declaredDependencies(packageRoot: root)

        #expect(!drawn.isEmpty, "Package.swift's comment draws no arrow (`//   A → B, C`)")
        for (target, dependencies) in declared.sorted(by: { $0.key < $1.key }) {
            #expect(
                drawn[target] == dependencies,
                "\(target): the comment draws \(drawn[target].map { $0.sorted() } ?? []) but Package.swift declares \(dependencies.sorted())"
            )
        }
        for target in drawn.keys where declared[target] == nil {
            Issue.record("the comment draws \(target), which is not a shipped target of Package.swift")
        }
    }

    /// `//   Name → A, B, C: what it is` → ["Name": ["A", "B", "C"]]; continuation lines carry no arrow.
    static func arrows(in manifest: String) -> [String: Set<String>] {
        var arrows: [String: Set<String>] = [:]
        for line in manifest.split(separator: "\n") {
            guard line.hasPrefix("//"), let arrow = line.range(of: " → ") else { continue }
            let name = line[line.index(line.startIndex, offsetBy: 2)..<arrow.lowerBound]
                .trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, !name.contains(" ") else { continue }
            var rest = line[arrow.upperBound...]
            if let colon = rest.firstIndex(of: ":") { rest = rest[..<colon] }
            let targets = rest.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            arrows[name] = Set(targets.filter { !$0.isEmpty && $0 != "nothing" })
        }
        return arrows
    }

    /// Each shipped target and the targets of this package it declares, from SwiftPM's JSON.
    static func declaredDependencies(packageRoot: URL) async throws -> [String: Set<String>] {
        let scratch = FileManager.default.temporaryDirectory.appending(path: "package-graph-\(getpid())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "swift", "package", "--package-path", packageRoot.path, "--scratch-path", scratch.path,
            "dump-package",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let data = try await process.runToItsEnd(reading: output)
        try #require(process.terminationStatus == 0, "swift package dump-package failed")
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let targets = try #require(json["targets"] as? [[String: Any]])
        let names = Set(targets.compactMap { $0["name"] as? String })
        var declared: [String: Set<String>] = [:]
        for target in targets {
            guard let name = target["name"] as? String, let type = target["type"] as? String,
                type != "test", type != "system"
            else { continue }
            if let path = target["path"] as? String,
                path.hasPrefix("Benchmarks") || path.hasPrefix("Examples") || path.hasPrefix("Fuzz")
            {
                continue
            }
            var dependencies = Set<String>()
            for dependency in target["dependencies"] as? [[String: Any]] ?? [] {
                let reference = (dependency["byName"] ?? dependency["target"]) as? [Any?]
                if let first = reference?.first as? String, names.contains(first) { dependencies.insert(first) }
            }
            declared[name] = dependencies
        }
        return declared
    }
}
