import ArgumentParser
import Foundation
import SipEndpoint

/// The commands `QuickStart run` reads from standard input, one per line:
/// `dial <conn> <dest>`, `answer [session]`, `hangup [session]`, `hold [session]`, `retrieve [session]`,
/// `dtmf <digits>`, `transfer <dest>`, `play <file|tone:FREQ|silence|echo>`, `record <file> [pcm16|pcmu|pcma]`,
/// `record stop`, `stats`, `enable|disable|remove <conn>`, `status`, `quit`.
/// A command without a session acts on the most recent live one.
struct RunCommands {
    let phone: Phone
    let output: Output
    /// The live table shows sessions itself: do not print their events as lines too.
    var quiet = false
    /// In table mode `status` redraws the table instead of printing lines.
    var redraw: (@Sendable () -> Void)?

    /// Carries out one line; returns false for `quit`. Every other command ends with a `result` line
    /// (README, "JSON events"), so a script on standard input can tell a command that worked from one
    /// that did not; a failure also goes to standard error for people.
    func execute(_ line: String) async -> Bool {
        let words = line.split(whereSeparator: \.isWhitespace).map(String.init)
        guard let command = words.first?.lowercased() else { return true }
        if command == "quit" || command == "exit" { return false }
        do {
            let detail = try await perform(command, Array(words.dropFirst()))
            if !quiet { output.result(command: command, ok: true, detail: detail) }
        } catch let error as CommandError {
            report(command, error.message)
        } catch let error as ValidationError {
            report(command, error.message)
        } catch {
            report(command, "\(error)")
        }
        return true
    }

    /// One command; returns what it did, in a few words for the `result` line.
    private func perform(_ command: String, _ args: [String]) async throws -> String {
        switch command {
        case "status":
            if let redraw {
                redraw()
                return "redrawn"
            }
            let connections = phone.connectionManager.connections
            let sessions = phone.callControl.sessions
            for c in connections { output.connection(c) }
            for s in sessions {
                output.say(
                    "session \(s.id) \(s.direction.rawValue) \(Output.clean(s.remote)) on connection \(s.connectionId): \(s.status.rawValue)"
                )
            }
            return "\(connections.count) connections, \(sessions.count) sessions"
        case "dial":
            guard args.count == 2, let connection = Int(args[0]) else {
                throw CommandError.usage("dial <connection> <destination>")
            }
            let session = try await phone.callControl.dial(connectionId: connection, destination: args[1])
            if !quiet { follow(session) }
            return "dialling \(args[1]) on connection \(connection) (session \(session.id))"
        case "answer":
            let live = try await session(args.first, preferring: .alerting)
            try await live.answer()
            return "answered session \(live.id)"
        case "hangup":
            let live = try await session(args.first)
            try await live.hangUp()
            return "hung up session \(live.id)"
        case "hold":
            let live = try await session(args.first)
            try await live.hold()
            return "held session \(live.id)"
        case "retrieve":
            let live = try await session(args.first, preferring: .held)
            try await live.retrieve()
            return "retrieved session \(live.id)"
        case "dtmf":
            guard let digits = args.first else { throw CommandError.usage("dtmf <digits>") }
            let live = try await session(nil)
            try await live.sendDTMF(digits)
            return "sent DTMF \(digits) on session \(live.id)"
        case "transfer":
            guard let destination = args.first else { throw CommandError.usage("transfer <destination>") }
            let live = try await session(nil)
            try await live.transfer(to: destination)
            return "transferring session \(live.id) to \(destination)"
        case "play":
            guard let what = args.first else { throw CommandError.usage("play <file.wav|tone:FREQ|silence|echo>") }
            // The argument first: a typo is reported as a typo, with or without a call.
            let source = try MediaArgument.source(what, as: nil)
            let live = try await session(nil)
            try await live.play(source)
            return "playing \(what) on session \(live.id)"
        case "record":
            guard let path = args.first else {
                throw CommandError.usage("record <file.wav> [pcm16|pcmu|pcma] | record stop")
            }
            if path == "stop" {
                let live = try await session(nil)
                try await live.stopRecording()
                return "recording of session \(live.id) stopped"
            }
            guard args.count <= 2, let encoding = args.count > 1 ? RecordingEncoding(rawValue: args[1]) : .pcm16 else {
                throw CommandError.usage("record <file.wav> [pcm16|pcmu|pcma]")
            }
            try MediaArgument.checkRecordable(path, as: nil)
            let live = try await session(nil)
            try await live.record(to: path, encoding: encoding)
            return "recording session \(live.id) to \(path) (\(encoding.rawValue))"
        case "stats":
            let live = try await session(nil)
            guard let statistics = try await live.statistics() else { return "session \(live.id): no media yet" }
            output.mediaStatistics(sessionId: live.id, statistics)
            return "media statistics of session \(live.id)"
        case "enable", "disable", "remove":
            guard let id = args.first.flatMap(Int.init) else { throw CommandError.usage("\(command) <connection>") }
            switch command {
            case "enable": try await phone.connectionManager.enableConnection(id)
            case "disable": try await phone.connectionManager.disableConnection(id)
            default: try await phone.connectionManager.removeConnection(id)
            }
            return "\(command)d connection \(id)"
        case "maintenance":
            // Active/standby planned moves: the registration moves as the status changes report.
            guard let id = args.first.flatMap(Int.init), args.count == 2, ["on", "off"].contains(args[1]) else {
                throw CommandError.usage("maintenance <connection> on|off")
            }
            if args[1] == "on" {
                try await phone.connectionManager.startMaintenance(id)
                return "connection \(id) is in maintenance: new calls stop using it"
            }
            try await phone.connectionManager.endMaintenance(id)
            return "connection \(id) is back in service"
        case "failback":
            guard let id = args.first.flatMap(Int.init) else { throw CommandError.usage("failback <connection>") }
            try await phone.connectionManager.failBack(line: id)
            return "failback of connection \(id)'s line started"
        case "prefer":
            guard let id = args.first.flatMap(Int.init) else { throw CommandError.usage("prefer <connection>") }
            try await phone.connectionManager.prefer(id)
            return "connection \(id) is its line's primary"
        default:
            throw CommandError(
                message:
                    "unknown command; commands: dial, answer, hangup, hold, retrieve, dtmf, transfer, play, record, stats, enable, disable, remove, maintenance, failback, prefer, status, quit"
            )
        }
    }

    /// A failed command: a line for people on standard error, and with `--json` its `result` line
    /// (in text mode the error line says it all; printing "FAILED:" too would say it twice).
    private func report(_ command: String, _ detail: String) {
        output.error("\(command): \(detail)")
        if output.json { output.result(command: command, ok: false, detail: detail) }
    }

    /// A command written the wrong way, or not a command.
    private struct CommandError: Error {
        let message: String
        static func usage(_ text: String) -> CommandError { CommandError(message: "usage: \(text)") }
    }

    /// The named session, or the most recent live one (preferring one in `status`).
    private func session(_ id: String?, preferring status: SessionStatus? = nil) async throws -> Session {
        if let id { return try await phone.callControl.session(id) }
        let live = phone.callControl.sessions.filter { $0.status != .disconnected }
        guard let pick = live.first(where: { $0.status == status }) ?? live.first else {
            throw SipEndpointError(.unknownSession, "no live session")
        }
        return try await phone.callControl.session(pick.id)
    }

    /// Prints a session's events as they happen.
    func follow(_ session: Session) {
        let output = self.output
        Task {
            for await event in session.statusChanges {
                output.sessionEvent(event)
                if case .statusChanged(let s) = event, s.status == .disconnected, let m = s.mediaStatistics {
                    output.mediaStatistics(sessionId: s.sessionId, m)
                }
            }
        }
    }
}

/// Standard input as an async sequence of lines, read on a thread of its own (reading blocks).
enum StandardInputLines {
    static func stream() -> AsyncStream<String> {
        AsyncStream { continuation in
            let thread = Thread {
                while let line = readLine(strippingNewline: true) { continuation.yield(line) }
                continuation.finish()
            }
            thread.start()
        }
    }
}
