import Foundation
import SipEndpoint

/// The commands `QuickStart run` reads from standard input, one per line (issue 6):
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

    /// Carries out one line; returns false for `quit`.
    func execute(_ line: String) async -> Bool {
        let words = line.split(whereSeparator: \.isWhitespace).map(String.init)
        guard let command = words.first?.lowercased() else { return true }
        let args = Array(words.dropFirst())
        do {
            switch command {
            case "quit", "exit":
                return false
            case "status":
                if let redraw { redraw(); return true }
                for c in phone.connectionManager.connections { output.connection(c) }
                for s in phone.callControl.sessions {
                    output.say("session \(s.id) \(s.direction.rawValue) \(s.remote) on connection \(s.connectionId): \(s.status.rawValue)")
                }
            case "dial":
                guard args.count == 2, let connection = Int(args[0]) else { return usage("dial <connection> <destination>") }
                let session = try await phone.callControl.dial(connectionId: connection, destination: args[1])
                if !quiet { follow(session) }
                output.say("dialling \(args[1]) (session \(session.id))")
            case "answer":
                try await session(args.first, preferring: .alerting).answer()
            case "hangup":
                try await session(args.first).hangUp()
            case "hold":
                try await session(args.first).hold()
            case "retrieve":
                try await session(args.first, preferring: .held).retrieve()
            case "dtmf":
                guard let digits = args.first else { return usage("dtmf <digits>") }
                try await session(nil).sendDTMF(digits)
            case "transfer":
                guard let destination = args.first else { return usage("transfer <destination>") }
                try await session(nil).transfer(to: destination)
            case "play":
                guard let what = args.first else { return usage("play <file.wav|tone:FREQ|silence|echo>") }
                try await session(nil).play(MediaArgument.source(what))
            case "record":
                guard let path = args.first else { return usage("record <file.wav> [pcm16|pcmu|pcma] | record stop") }
                if path == "stop" {
                    try await session(nil).stopRecording()
                    return true
                }
                guard let encoding = args.count > 1 ? RecordingEncoding(rawValue: args[1]) : .pcm16 else {
                    return usage("record <file.wav> [pcm16|pcmu|pcma]")
                }
                try await session(nil).record(to: path, encoding: encoding)
            case "stats":
                let live = try await session(nil)
                guard let statistics = try await live.statistics() else {
                    output.say("session \(live.id): no media yet")
                    return true
                }
                output.mediaStatistics(sessionId: live.id, statistics)
                guard let id = args.first.flatMap(Int.init) else { return usage("\(command) <connection>") }
                switch command {
                case "enable": try await phone.connectionManager.enableConnection(id)
                case "disable": try await phone.connectionManager.disableConnection(id)
                default: try await phone.connectionManager.removeConnection(id)
                }
            default:
                output.error("unknown command '\(command)'; commands: dial, answer, hangup, hold, retrieve, dtmf, transfer, play, record, stats, enable, disable, remove, status, quit")
            }
        } catch {
            output.error("\(command): \(error)")
        }
        return true
    }

    private func usage(_ text: String) -> Bool {
        output.error("usage: \(text)")
        return true
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
