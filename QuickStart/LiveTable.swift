import Foundation
import SipEndpoint

#if canImport(Glibc)
import Glibc
#endif

/// `QuickStart run` on a terminal: a status table redrawn in place on every event — one line per
/// connection (id, user, server, transport, status, last reason, next retry), then one per session,
/// the latest events, and the prompt for commands. Off a terminal, or with `--json`, `run` prints plain
/// event lines instead. The table's own escape sequences are the only ones it prints: every cell and
/// event line is cleaned of what came from the network (``TerminalText``).
final class LiveTable: @unchecked Sendable {
    private let phone: Phone
    private let lock = NSLock()
    private var recent: [String] = []

    init(phone: Phone) {
        self.phone = phone
    }

    /// Whether standard output is a terminal (and not redirected to a file or pipe).
    static var isTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    /// Adds an event line (cleaned whole: it quotes reasons and causes from the network).
    func note(_ line: String) {
        let line = TerminalText.clean(line)
        lock.withLock {
            recent.append(line)
            if recent.count > 8 { recent.removeFirst(recent.count - 8) }
        }
        redraw()
    }

    func redraw() {
        let connections = phone.connectionManager.connections
        let sessions = phone.callControl.sessions.sorted { $0.id < $1.id }
        var screen = "\u{1B}[H\u{1B}[2J"  // home, clear
        screen += "SipEndpoint — phone \(phone.status.rawValue)\n\n"
        screen +=
            row(["conn", "user", "server", "transport", "status", "last reason", "next retry"], widths: Self.widths)
            + "\n"
        for c in connections {
            // A recovering connection's "next" is the end of its hold-down.
            let retry =
                (c.nextRetry ?? c.heldDownUntil).map { String(format: "in %.0f s", max(0, $0.timeIntervalSinceNow)) }
                ?? ""
            screen +=
                row(
                    [
                        String(c.id), c.user, c.server.description, c.transport.rawValue, c.status.rawValue,
                        c.reason.text, retry,
                    ], widths: Self.widths) + "\n"
        }
        screen += "\n"
        if sessions.isEmpty { screen += "no calls\n" }
        for s in sessions {
            screen +=
                "call \(s.id.prefix(8)) \(s.direction.rawValue) \(Output.clean(s.remote)) on connection \(s.connectionId): \(s.status.rawValue) (\(Output.clean(s.reason)))\n"
        }
        screen += "\n" + lock.withLock { recent }.joined(separator: "\n") + "\n\n"
        screen +=
            "commands: dial <conn> <dest> · answer · hangup · hold · retrieve · dtmf <d> · transfer <dest> · play <wav|tone:F> · record <wav>|stop · stats · enable|disable|remove <conn> · status · quit\n> "
        FileHandle.standardOutput.write(Data(screen.utf8))
    }

    static let widths = [5, 8, 22, 10, 14, 34, 12]

    private func row(_ cells: [String], widths: [Int]) -> String {
        zip(cells, widths).map { cell, width in
            let cell = TerminalText.clean(cell)
            let text = cell.count > width - 1 ? String(cell.prefix(width - 2)) + "…" : cell
            return text.padding(toLength: width, withPad: " ", startingAt: 0)
        }.joined()
    }
}
