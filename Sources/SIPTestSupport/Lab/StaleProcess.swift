import Foundation

/// Stops what a crashed earlier run left behind, found through the pid file it wrote in the lab's
/// work directory. It only signals a pid whose command line still names our own marker (the config
/// path and address), so a recycled pid or another checkout's lab is never touched.
enum StaleProcess {
    static func stop(pidFile: URL, commandLineContains markers: [String]) async {
        guard let text = try? String(contentsOf: pidFile, encoding: .utf8),
            let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1
        else { return }
        try? FileManager.default.removeItem(at: pidFile)
        guard let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return }
        let commandLine = String(decoding: raw.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
        guard markers.allSatisfy({ commandLine.contains($0) }) else { return }
        let target = getpgid(pid) == pid ? -pid : pid
        _ = kill(target, SIGCONT)
        _ = kill(target, SIGKILL)
        // The orphan is reaped by init, not by us, and some containers' init never reaps: gone or a
        // zombie both mean its sockets are closed.
        for _ in 0..<100 where isAlive(pid) {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// "pid (comm) S …": alive unless the file is gone or the state is Z (zombie) or X (dead).
    private static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[end...].dropFirst(2).first
        return state != "Z" && state != "X"
    }
}
