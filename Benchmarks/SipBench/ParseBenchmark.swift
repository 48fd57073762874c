import Foundation
import NIOCore
import SIPCore

/// Parse, serialize and parse+typed-read timings over a corpus, one thread, warm-up first.
enum ParseBenchmark {
    static func run(directory: String?) {
        var corpus: [(name: String, bytes: ByteBuffer)] = []
        if let directory {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.sorted() ?? []
            for f in files {
                guard let data = FileManager.default.contents(atPath: directory + "/" + f) else { continue }
                corpus.append((f, ByteBuffer(bytes: Array(data))))
            }
        } else {
            corpus = Corpus.messages.map { ($0.name, ByteBuffer(string: $0.text)) }
        }
        guard !corpus.isEmpty else {
            print("no messages in the corpus")
            exit(2)
        }
        for (name, bytes) in corpus {
            do {
                let m = try SIPMessage(parsing: bytes)
                _ = try TypedRead.views(m)
                _ = try TypedRead.values(m)
            } catch {
                print("corpus message \(name) does not parse: \(error)")
                exit(1)
            }
        }

        let iterations = Int(ProcessInfo.processInfo.environment["SIPBENCH_ITERATIONS"] ?? "") ?? 50_000
        print("SipBench parse — \(corpus.count) messages, \(iterations) iterations each, median of 5 rounds")
        print(
            pad("message", 28) + pad("bytes", 7) + pad("parse ns", 10) + pad("+core ns", 10) + pad("serialize ns", 14)
                + pad("parse+all typed ns", 20) + pad("typed views ns", 16) + "typed values ns")
        var parseTimes: [Double] = []
        var coreTimes: [Double] = []
        var typedTimes: [Double] = []
        for (name, bytes) in corpus {
            let parsed = try! SIPMessage(parsing: bytes)
            let p = measure(iterations) {
                let m = try! SIPMessage(parsing: bytes)
                blackHole(m.headers.count)
            }
            let s = measure(iterations) { blackHole(parsed.serialized.readableBytes) }
            // What the transport does on every receipt: parse, then the typed core headers
            // (top Via, From, To, Call-ID, CSeq, Max-Forwards) that the transaction layer needs.
            let c = measure(iterations) {
                let m = try! SIPMessage(parsing: bytes)
                blackHole(try! m.validateCoreHeaders().callID.utf8.count)
            }
            let t = measure(iterations / 4) {
                let m = try! SIPMessage(parsing: bytes)
                readTypedHeaders(m)
            }
            // Parse, then every header the message has as its typed value, every field touched: through
            // the views (what `parse-typed-mean-ns` reports) and through the value types (every String made).
            let v = measure(iterations) {
                let m = try! SIPMessage(parsing: bytes)
                blackHole(try! TypedRead.views(m))
            }
            let w = measure(iterations / 4) {
                let m = try! SIPMessage(parsing: bytes)
                blackHole(try! TypedRead.values(m))
            }
            parseTimes.append(p)
            coreTimes.append(c)
            typedTimes.append(v)
            print(
                pad(name, 28) + pad(String(bytes.readableBytes), 7) + pad(format(p), 10) + pad(format(c), 10)
                    + pad(format(s), 14) + pad(format(t), 20) + pad(format(v), 16) + format(w))
        }
        if ProcessInfo.processInfo.environment["SIPBENCH_BREAKDOWN"] != nil { breakdown(corpus) }
        let mean = parseTimes.reduce(0, +) / Double(parseTimes.count)
        print("parse+core-mean-ns: \(Int((coreTimes.reduce(0, +) / Double(coreTimes.count)).rounded()))")
        print("parse-typed-mean-ns: \(Int((typedTimes.reduce(0, +) / Double(typedTimes.count)).rounded()))")
        print("parse-mean-ns: \(Int(mean.rounded()))")
    }

    /// Cost of each typed accessor alone, to see where parse+typed time goes.
    static func breakdown(_ corpus: [(name: String, bytes: ByteBuffer)]) {
        let messages = corpus.map { try! SIPMessage(parsing: $0.bytes) }
        let n = 20_000
        func row(_ label: String, _ body: (SIPMessage) throws -> Void) {
            let ns = measure(n) { for m in messages { try? body(m) } } / Double(messages.count)
            print(pad("  " + label, 28) + format(ns))
        }
        print("typed accessor, mean ns per message:")
        row("topVia") { blackHole(try $0.topVia) }
        row("via (all)") { blackHole(try $0.via) }
        row("from") { blackHole(try $0.from) }
        row("to") { blackHole(try $0.to) }
        row("callID") { blackHole(try $0.callID) }
        row("cseq") { blackHole(try $0.cseq) }
        row("contacts") { blackHole(try $0.contacts) }
        row("routes+recordRoutes") {
            blackHole(try $0.routes)
            blackHole(try $0.recordRoutes)
        }
        row("auth headers") {
            blackHole(try $0.authorization)
            blackHole(try $0.wwwAuthenticate)
        }
        row("validate()") { try $0.validate() }
        row("requestURI description") { blackHole($0.requestURI?.description) }
        row("serialize") { blackHole($0.serialized) }
    }

    /// Reads every typed header a stack would touch for this kind of message.
    @inline(never)
    static func readTypedHeaders(_ m: SIPMessage) {
        do {
            try m.validate()
            blackHole(try m.topVia.branch?.utf8.count ?? 0)
            blackHole(try m.from.tag?.utf8.count ?? 0)
            blackHole(try m.to.uri.host.utf8.count)
            blackHole(try m.callID.utf8.count)
            blackHole(Int(try m.cseq.sequenceNumber))
        } catch {
            fatalError("typed read failed: \(error)")
        }
    }

    /// Median ns per operation over 5 rounds after one warm-up round.
    static func measure(_ iterations: Int, _ body: () -> Void) -> Double {
        var rounds: [Double] = []
        for round in 0..<6 {
            let clock = ContinuousClock()
            let start = clock.now
            for _ in 0..<iterations { body() }
            let elapsed = clock.now - start
            if round > 0 {
                let ns = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
                rounds.append(ns / Double(iterations))
            }
        }
        return rounds.sorted()[rounds.count / 2]
    }

    static func format(_ ns: Double) -> String { String(Int(ns.rounded())) }
    static func pad(_ s: String, _ n: Int) -> String {
        s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count)
    }
}

@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
