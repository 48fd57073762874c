import ArgumentParser
import Foundation
import SipEndpoint

/// `QuickStart ladder FILE`: turns a `--trace` file into a ladder diagram (one column per party, one
/// arrow per message, time going down) as an SVG, so a failover can be seen at a glance.
struct Ladder: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw a --trace file as a SIP ladder diagram (SVG).")

    @Argument(help: "A trace written by --trace.")
    var trace: String

    @Option(help: "Where to write the SVG (default: the trace's name with .svg).")
    var output: String?

    @Option(name: .customLong("name"), help: "Name a party: ADDRESS:PORT=NAME (repeatable).")
    var names: [String] = []

    func run() throws {
        let records: [SIPTraceLine]
        do {
            records = try SIPTraceLine.read(trace)
        } catch {
            FileHandle.standardError.write(Data("cannot read \(trace): \(error)\n".utf8))
            throw ExitCode(2)
        }
        var labels: [String: String] = [:]
        for pair in names {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { labels[parts[0]] = parts[1] }
        }
        let path = output ?? (trace.hasSuffix(".trace") ? String(trace.dropLast(6)) : trace) + ".svg"
        try LadderDiagram.svg(records, names: labels).write(toFile: path, atomically: true, encoding: .utf8)
        print("ladder: \(records.count) messages → \(path)")
    }
}

/// The SVG of a ladder diagram: the phone on the left, every remote party in order of first
/// appearance, an arrow per message labelled with its method or status (and CSeq method for
/// responses), colour by kind, and the time since the trace began on the left.
enum LadderDiagram {
    static func svg(_ records: [SIPTraceLine], names: [String: String] = [:]) -> String {
        var parties = ["phone"]
        for r in records where !parties.contains(r.remote) { parties.append(r.remote) }
        let left = 120, spacing = 280, top = 70, row = 30
        let width = left + spacing * max(1, parties.count - 1) + 140
        let height = top + row * (records.count + 1) + 20
        func x(_ party: String) -> Int { left + spacing * (parties.firstIndex(of: party) ?? 0) }
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" font-family="Helvetica, Arial, sans-serif" font-size="13">
            <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="context-stroke"/></marker></defs>
            <rect width="100%" height="100%" fill="white"/>

            """
        for party in parties {
            let label = party == "phone" ? "phone (SipEndpoint)" : (names[party].map { "\($0) (\(party))" } ?? party)
            out +=
                "<text x=\"\(x(party))\" y=\"30\" text-anchor=\"middle\" font-weight=\"bold\">\(escape(label))</text>\n"
            out +=
                "<line x1=\"\(x(party))\" y1=\"42\" x2=\"\(x(party))\" y2=\"\(height - 10)\" stroke=\"#999\" stroke-dasharray=\"4 4\"/>\n"
        }
        for (i, r) in records.enumerated() {
            let y = top + row * (i + 1)
            let (from, to) = r.direction == "sent" ? ("phone", r.remote) : (r.remote, "phone")
            let code = Int(r.summary.prefix(3))
            let colour: String
            switch code {
            case nil: colour = "#1f4e79"
            case let c? where c < 200: colour = "#888888"
            case let c? where c < 300: colour = "#2e7d32"
            default: colour = "#c62828"
            }
            var label = r.summary
            if code != nil, let method = r.cseq?.split(separator: " ").last { label += " (\(method))" }
            out += "<text x=\"10\" y=\"\(y + 4)\" fill=\"#555\">+\(String(format: "%.3f", r.elapsed)) s</text>\n"
            out +=
                "<line x1=\"\(x(from))\" y1=\"\(y)\" x2=\"\(x(to))\" y2=\"\(y)\" stroke=\"\(colour)\" stroke-width=\"1.6\" marker-end=\"url(#arrow)\"/>\n"
            out +=
                "<text x=\"\((x(from) + x(to)) / 2)\" y=\"\(y - 5)\" text-anchor=\"middle\" fill=\"\(colour)\">\(escape(label))</text>\n"
        }
        return out + "</svg>\n"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
