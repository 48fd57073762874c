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
default:
    print("unknown benchmark \(command); available: parse")
    exit(2)
}
