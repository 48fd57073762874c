import Foundation
import NIOCore
import SIPCore

// SipBench: release-built benchmarks of the hot paths. Run with `swift run -c release SipBench parse [DIR]`.
// Prints per-message nanoseconds for parse, serialize and parse-then-read-typed-headers, then the mean,
// with `parse-typed-mean-ns: <integer>` and, last, `parse-mean-ns: <integer>` for scripts.
// `SipBench corpus DIR` writes the corpus as files (Scripts/sofia-bench times sofia-sip on them).

let arguments = CommandLine.arguments.dropFirst()
guard let command = arguments.first else {
    print("usage: SipBench parse [DIR]")
    exit(2)
}

switch command {
case "parse":
    ParseBenchmark.run(directory: arguments.dropFirst().first)
case "corpus":
    // Writes the built-in corpus, one file per message, for Benchmarks/SofiaBench (Scripts/sofia-bench).
    guard let directory = arguments.dropFirst().first else {
        print("usage: SipBench corpus DIR")
        exit(2)
    }
    for (i, message) in Corpus.messages.enumerated() {
        let name = message.name.map { $0.isLetter || $0.isNumber ? $0 : "-" }
        let path = "\(directory)/\(i + 1)-\(String(name)).sip"
        guard FileManager.default.createFile(atPath: path, contents: Data(message.text.utf8)) else {
            print("cannot write \(path)")
            exit(1)
        }
    }
case "typed-views-profile":
    // A loop over parse + every typed view, for `perf record -g` or `valgrind --tool=cachegrind` (not a
    // benchmark: prints nothing useful). SIPBENCH_ROUNDS sets the rounds over the corpus (200,000).
    let messages = Corpus.messages.map { ByteBuffer(string: $0.text) }
    let rounds = Int(ProcessInfo.processInfo.environment["SIPBENCH_ROUNDS"] ?? "") ?? 200_000
    var total = 0
    for _ in 0..<rounds {
        for bytes in messages { total &+= try! TypedRead.views(SIPMessage(parsing: bytes)) }
    }
    blackHole(total)
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
    print("unknown benchmark \(command); available: parse, corpus DIR, typed-views-profile, typed-profile")
    exit(2)
}
