import Foundation
import NIOCore
import RegistrationLoad

#if canImport(Glibc)
import Glibc
#endif

/// The registrars the phone registers with: in a child process by default, so that the resident
/// memory the benchmark reads is the phone's alone (the registrars stand for remote sites: their
/// bindings and their server transactions, which wait Timer J for 32 s, are not the phone's cost);
/// `--registrars in-process` keeps them in this process, as the figures before 2026-12-06 were taken.
protocol Registrars: Sendable {
    var addresses: [SocketAddress] { get }
    func counters() async throws -> LoadRegistrar.Counters
    /// CPU seconds of the registrars' event-loop thread.
    func loopCPUSeconds() async throws -> Double
    func shutdown() async
}

/// Registrars on a loop of their own in this process.
struct InProcessRegistrars: Registrars {
    let sites: LoadSites
    var addresses: [SocketAddress] { sites.addresses }
    func counters() async throws -> LoadRegistrar.Counters { try await sites.counters() }
    func loopCPUSeconds() async throws -> Double { try await threadCPUSeconds(on: sites.eventLoop) }
    func shutdown() async { await sites.shutdown() }
}

/// Registrars in a child process (this executable run with `--serve-registrars N`), asked for their
/// figures one line at a time over its standard input and output.
final class ChildRegistrars: Registrars, @unchecked Sendable {
    let addresses: [SocketAddress]
    private let process: Process
    private let input: FileHandle
    private let output: UnsafeMutablePointer<FILE>
    private let lock = NSLock()

    init(sites: Int) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = ["--serve-registrars", "\(sites)"]
        let toChild = Pipe()
        let fromChild = Pipe()
        process.standardInput = toChild
        process.standardOutput = fromChild
        try process.run()
        self.process = process
        self.input = toChild.fileHandleForWriting
        guard let output = fdopen(dup(fromChild.fileHandleForReading.fileDescriptor), "r") else {
            throw RegistrarProcessError.noAnswer("cannot read the child's output")
        }
        self.output = output
        let line = try Self.readLine(output)
        let fields = line.split(separator: " ")
        guard fields.first == "addresses" else { throw RegistrarProcessError.noAnswer(line) }
        self.addresses = try fields.dropFirst().map { field in
            let parts = field.split(separator: ":")
            guard parts.count == 2, let port = Int(parts[1]) else { throw RegistrarProcessError.noAnswer(line) }
            return try SocketAddress(ipAddress: String(parts[0]), port: port)
        }
    }

    private static func readLine(_ file: UnsafeMutablePointer<FILE>) throws -> String {
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        guard getline(&buffer, &capacity, file) > 0, let buffer else {
            throw RegistrarProcessError.noAnswer("the registrar process ended")
        }
        return String(cString: buffer).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func ask(_ question: String) throws -> [Substring] {
        try lock.withLock {
            input.write(Data((question + "\n").utf8))
            let line = try Self.readLine(output)
            let fields = line.split(separator: " ")
            guard fields.first.map(String.init) == question else { throw RegistrarProcessError.noAnswer(line) }
            return Array(fields.dropFirst())
        }
    }

    func counters() async throws -> LoadRegistrar.Counters {
        let numbers = try ask("counters").compactMap { Int($0) }
        guard numbers.count == 5 else { throw RegistrarProcessError.noAnswer("counters \(numbers)") }
        var c = LoadRegistrar.Counters()
        (c.challenges, c.accepted, c.rejected, c.options, c.bindings) =
            (numbers[0], numbers[1], numbers[2], numbers[3], numbers[4])
        return c
    }

    func loopCPUSeconds() async throws -> Double {
        guard let seconds = try ask("cpu").first.flatMap({ Double($0) }) else {
            throw RegistrarProcessError.noAnswer("cpu")
        }
        return seconds
    }

    func shutdown() async {
        _ = try? ask("quit")
        process.waitUntilExit()
        fclose(output)
    }
}

enum RegistrarProcessError: Error { case noAnswer(String) }

/// The child's side: start the registrars, print their addresses, answer `counters`, `cpu` and `quit`.
func serveRegistrars(sites count: Int) async throws -> Never {
    let sites = try await LoadSites.start(sites: max(1, min(count, 4)))
    let addresses = sites.addresses.map { "\($0.ipAddress ?? "127.0.0.1"):\($0.port ?? 0)" }
    say("addresses " + addresses.joined(separator: " "))
    while let line = readLine() {
        switch line.trimmingCharacters(in: .whitespaces) {
        case "counters":
            let c = try await sites.counters()
            say("counters \(c.challenges) \(c.accepted) \(c.rejected) \(c.options) \(c.bindings)")
        case "cpu":
            say("cpu \(try await threadCPUSeconds(on: sites.eventLoop))")
        case "quit":
            await sites.shutdown()
            say("quit")
            exit(0)
        default:
            say("unknown \(line)")
        }
    }
    await sites.shutdown()
    exit(0)
}
