import Foundation
import NIOCore
import SIPCore

// SipBench: release-built benchmarks of the hot paths. Run with `swift run -c release SipBench parse [DIR]`.
// Prints per-message nanoseconds for parse, serialize and parse-then-read-typed-headers, then the mean,
// with the last line `parse-mean-ns: <integer>` for scripts.

let arguments = CommandLine.arguments.dropFirst()
guard let command = arguments.first else {
    print("usage: SipBench parse [DIR]")
    exit(2)
}

switch command {
case "parse":
    ParseBenchmark.run(directory: arguments.dropFirst().first)
case "typed-profile":
    // A loop over the typed accessors alone, for `perf record` (not a benchmark: prints nothing useful).
    let messages = Corpus.messages.map { try! SIPMessage(parsing: $0.text) }
    for _ in 0..<200_000 {
        for m in messages {
            blackHole(try? m.topVia)
            blackHole(try? m.from)
            blackHole(try? m.to)
        }
    }
default:
    print("unknown benchmark \(command); available: parse")
    exit(2)
}
