import ArgumentParser
import Foundation
import NIOCore
import SIPCore

/// `QuickStart inspect FILE...`: parse each file as one SIP message and say whether it is valid.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parse files as SIP messages and report each as OK or INVALID.",
        discussion: """
            Each file holds one SIP message. A message whose lines end in a bare LF (as traces pasted from \
            logs often do) is accepted with a warning. Exit status 0 only if every file parsed.
            """
    )

    @Flag(help: "Print one JSON object per file, with the parsed headers.")
    var json = false

    @Argument(help: "Files to parse.")
    var files: [String]

    func run() throws {
        var allValid = true
        for file in files {
            let report = Self.inspect(file: file)
            if !report.ok { allValid = false }
            if json {
                print(report.jsonLine())
            } else {
                for warning in report.warnings {
                    FileHandle.standardError.write(Data("warning: \(file): \(warning)\n".utf8))
                }
                print(report.textLine())
            }
        }
        if !allValid { throw ExitCode(1) }
    }

    struct Report: Encodable {
        struct Header: Encodable {
            let name: String
            let value: String
        }
        let file: String
        let ok: Bool
        var kind: String?
        var method: String?
        var requestURI: String?
        var statusCode: Int?
        var reasonPhrase: String?
        var headers: [Header]?
        var bodyLength: Int?
        var warnings: [String] = []
        var error: String?
        var errorCode: String?
        var line: Int?

        func textLine() -> String {
            guard ok else { return "INVALID \(file): \(error ?? "unknown error")" }
            if let method, let requestURI { return "OK \(file): \(method) \(requestURI)" }
            return "OK \(file): \(statusCode ?? 0) \(reasonPhrase ?? "")"
        }

        func jsonLine() -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        }
    }

    static func inspect(file: String) -> Report {
        guard let data = FileManager.default.contents(atPath: file) else {
            return Report(file: file, ok: false, error: "cannot read the file")
        }
        let bytes = Array(data)
        var warnings: [String] = []
        let bareLineFeeds = bytes.contains(UInt8(ascii: "\n")) && !bytes.contains(UInt8(ascii: "\r"))
        if bareLineFeeds { warnings.append("lines end in LF, not CRLF (accepted here; SIP on the wire needs CRLF)") }
        do {
            let message = try SIPMessage(
                parsing: bytes, options: SIPParserOptions(acceptsBareLineFeeds: bareLineFeeds))
            try message.validate()
            var report = Report(file: file, ok: true, warnings: warnings)
            switch message.startLine {
            case .request(let method, let uri):
                report.kind = "request"
                report.method = method.rawValue
                report.requestURI = uri.description
            case .response(let code, let reason):
                report.kind = "response"
                report.statusCode = code
                report.reasonPhrase = reason
            }
            report.headers = message.headers.map { Report.Header(name: $0.name, value: $0.value) }
            report.bodyLength = message.body.readableBytes
            return report
        } catch {
            return Report(
                file: file, ok: false, warnings: warnings, error: error.description, errorCode: error.code.rawValue,
                line: error.line)
        }
    }
}
