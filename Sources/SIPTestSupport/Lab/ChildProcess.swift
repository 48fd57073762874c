import Foundation
import NIOConcurrencyHelpers

/// A lab process (Kamailio, SIPp, openssl) started as a child of the test process.
///
/// Spawned with `posix_spawn` directly rather than Foundation's `Process`, for two reasons found the
/// hard way: a child inherits the signal mask of the thread that spawns it, and under `swift test`
/// that thread blocks SIGTERM, so Kamailio and SIPp ignored a polite stop and only SIGKILL worked
/// (`Process` does not reset the mask); and a child must lead its own process group so a signal to
/// the group reaches Kamailio's worker processes too (SIGSTOP on the main process alone leaves the
/// workers answering; SIGKILL on it alone orphans them with the ports still bound).
/// Waiting is polling `waitpid(WNOHANG)` with `Task.sleep`: no thread and no event loop blocks.
package final class ChildProcess: Sendable {
    package let pid: pid_t
    package let executable: String
    private let exitStatus = NIOLockedValueBox<Int32?>(nil)

    /// Starts `executable` with stdin from /dev/null (or from `standardInput`, a descriptor the caller
    /// keeps and closes, such as the read end of a pipe it writes a script into), stdout and stderr
    /// appended to `log`, a clean signal mask and default signal actions, in a new process group, with
    /// no other descriptor of ours. Paths in `arguments` should be absolute: the working directory is
    /// inherited.
    package init(executable: String, arguments: [String], log: URL, standardInput: Int32? = nil) throws(LabError) {
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        if let standardInput {
            posix_spawn_file_actions_adddup2(&actions, standardInput, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        _ = Self.addCloseFrom?(&actions, 3)

        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var everySignal = sigset_t()
        sigfillset(&everySignal)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &everySignal)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard result == 0 else {
            throw LabError(.processExited, "could not start \(executable): \(String(cString: strerror(result)))")
        }
        self.pid = pid
        self.executable = executable
    }

    /// glibc ≥ 2.34's `posix_spawn_file_actions_addclosefrom_np`, which Swift's Glibc module does
    /// not import: looked up at run time; without it children inherit descriptors not marked CLOEXEC.
    private static let addCloseFrom:
        (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
            else {
                return nil
            }
            return unsafeBitCast(
                symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
        }()

    /// Exit status (128 + signal when a signal ended it) once the child has ended; nil while it runs.
    package var terminationStatus: Int32? {
        exitStatus.withLockedValue { status in
            if status == nil {
                var raw: Int32 = 0
                if waitpid(pid, &raw, WNOHANG) == pid {
                    let signal = raw & 0x7f
                    status = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
                }
            }
            return status
        }
    }

    package var isRunning: Bool { terminationStatus == nil }

    /// Signals the whole process group while the child is not reaped (until then its pid, and so
    /// its group id, cannot belong to anyone else).
    package func signal(_ signal: Int32) {
        exitStatus.withLockedValue { status in
            if status == nil { _ = Glibc.kill(-pid, signal) }
        }
    }

    /// Waits up to `timeout` for the child to exit; returns its status, or nil if it still runs.
    @discardableResult
    package func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = terminationStatus { return status }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return terminationStatus
    }

    /// SIGTERM (plus SIGCONT, so a frozen process can act on it), then SIGKILL after `grace`.
    package func terminate(grace: Duration) async {
        guard isRunning else { return }
        signal(SIGTERM)
        signal(SIGCONT)
        if await waitForExit(timeout: grace) != nil { return }
        signal(SIGKILL)
        await waitForExit(timeout: .seconds(2))
    }

    /// SIGKILL to the group at once: a site that dies without saying goodbye.
    package func kill() async {
        signal(SIGKILL)
        await waitForExit(timeout: .seconds(2))
    }

    /// Runs a short command to completion (openssl, a SIPp client), bounded by `timeout`.
    package static func run(
        _ executable: String, _ arguments: [String], log: URL, timeout: Duration = .seconds(20)
    ) async throws(LabError) -> Int32 {
        let child = try ChildProcess(executable: executable, arguments: arguments, log: log)
        if let status = await child.waitForExit(timeout: timeout) { return status }
        await child.kill()
        throw LabError(.notReady, "\(executable) did not finish within \(timeout); see \(log.path)")
    }
}
