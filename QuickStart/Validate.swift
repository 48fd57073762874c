import ArgumentParser
import Foundation
import SipEndpoint
import SipEndpointConfig

/// `QuickStart validate [--config FILE] [--json]`: load `SipEndpoint.config` the way the SDK does and
/// show what it would run with. Exit status 0 when the file has no error (warnings allowed), 2 when it
/// has errors (bad configuration, as for every subcommand).
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a SipEndpoint.config and print the effective configuration.",
        discussion: """
            Prints every setting with the value in force (passwords masked), then every warning and error \
            with its line. Exit status 0 when there is no error, 2 when there is one.
            """
    )

    @Option(name: .long, help: "The configuration file.")
    var config = "./SipEndpoint.config"

    @Flag(help: "Print one JSON object per line, ending with {\"event\":\"result\",…}.")
    var json = false

    func run() throws {
        let loaded: LoadedConfiguration?
        let errors: [ConfigurationIssue]
        let warnings: [ConfigurationIssue]
        do {
            let result = try SipEndpointConfigLoader.load(contentsOf: config)
            (loaded, errors, warnings) = (result, [], result.warnings)
        } catch {
            (loaded, errors, warnings) = (nil, error.issues, error.warnings)
        }
        let issues = (errors + warnings).sorted(by: ConfigurationIssue.fileOrder)
        let ok = errors.isEmpty
        if json {
            for setting in loaded?.configuration.effectiveSettings ?? [] {
                emit(ValidateLine(event: "setting", path: setting.path, value: setting.value))
            }
            for issue in issues {
                emit(
                    ValidateLine(
                        event: issue.severity.rawValue, file: issue.file, line: issue.line, column: issue.column,
                        path: issue.path, code: issue.code.rawValue, message: issue.message))
            }
            emit(
                ValidateLine(
                    event: "result", command: "validate", ok: ok, file: config,
                    connections: loaded?.configuration.connections.count,
                    errors: errors.count, warnings: warnings.count))
        } else {
            if let configuration = loaded?.configuration {
                print("Effective configuration of \(config):")
                let width = configuration.effectiveSettings.map(\.path.count).max() ?? 0
                for setting in configuration.effectiveSettings {
                    print(
                        "  " + setting.path.padding(toLength: width, withPad: " ", startingAt: 0) + " = "
                            + setting.value)
                }
            }
            for issue in issues { print(issue.description) }
            let counts =
                "\(errors.count) error\(errors.count == 1 ? "" : "s"), \(warnings.count) warning\(warnings.count == 1 ? "" : "s")"
            if let configuration = loaded?.configuration {
                print(
                    "OK \(config): \(configuration.connections.count) connection\(configuration.connections.count == 1 ? "" : "s"), \(counts)"
                )
            } else {
                print("INVALID \(config): \(counts)")
            }
        }
        if !ok { throw ExitCode(2) }
    }

    /// One line of `--json` output; absent fields are left out, the others come in this order.
    struct ValidateLine {
        var event: String
        var command: String?
        var ok: Bool?
        var file: String?
        var line: Int?
        var column: Int?
        var path: String?
        var value: String?
        var code: String?
        var message: String?
        var connections: Int?
        var errors: Int?
        var warnings: Int?

        var text: String {
            var json = JSONLine(event: event)
            json.add("command", command)
            json.add("ok", ok)
            json.add("file", file)
            json.add("line", line)
            json.add("column", column)
            json.add("path", path)
            json.add("value", value)
            json.add("code", code)
            json.add("message", message)
            json.add("connections", connections)
            json.add("errors", errors)
            json.add("warnings", warnings)
            return json.text
        }
    }

    private func emit(_ line: ValidateLine) {
        print(line.text)
    }
}
