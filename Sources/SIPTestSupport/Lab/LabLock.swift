import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One lab at a time on this machine. The sites listen on fixed addresses (127.0.0.2/.3, ports
/// 5060/5061), so two labs started at once — two suites of one `swift test` run in parallel, or two
/// checkouts tested side by side — take each other's ports and both fail. ``KamailioLab/with(configuration:_:)``
/// holds this lock for the lab's whole life: first in-process (suites queue in order), then an
/// exclusive `flock(2)` on a file in the temporary directory, which the kernel drops if the process dies.
actor LabLock {
    static let shared = LabLock()

    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var descriptor: Int32 = -1

    /// Waits for the lock, polling the file lock every 100 ms for at most `timeout`.
    func acquire(timeout: Duration) async throws(LabError) {
        if held {
            await withCheckedContinuation { waiters.append($0) }
        } else {
            held = true
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sipendpoint-lab.lock").path
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o666)
        guard fd >= 0 else {
            // Without the file we still serialize within the process; say so rather than fail.
            return
        }
        let deadline = ContinuousClock.now + timeout
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard ContinuousClock.now < deadline else {
                close(fd)
                release()
                throw LabError(.notReady, "another process held \(path) (a lab running) for \(timeout)")
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        descriptor = fd
    }

    /// Releases the file lock and hands the lock to the next waiter in this process.
    func release() {
        if descriptor >= 0 {
            flock(descriptor, LOCK_UN)
            close(descriptor)
            descriptor = -1
        }
        if waiters.isEmpty {
            held = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
