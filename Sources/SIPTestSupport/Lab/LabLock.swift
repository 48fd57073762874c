import Foundation
import NIOConcurrencyHelpers

/// Makes one lab at a time: the sites and UAS use fixed addresses (127.0.0.2–127.0.0.5) and one work
/// directory per user, so two suites that start the lab at once (Swift Testing runs suites of
/// different targets in parallel, and other checkouts run theirs) would fight over ports and logs.
///
/// An exclusive `flock` on `lab.lock` in the work directory. A lock on a separate open of the file
/// conflicts within one process as well as between processes, so one mechanism covers both; the
/// kernel drops it when a crashed run's descriptor closes. Waiting polls `LOCK_NB` with
/// `Task.sleep`, so no thread blocks, and is bounded by `LabConfiguration.exclusiveWait`.
final class LabLock: Sendable {
    private let descriptor = NIOLockedValueBox<Int32?>(nil)

    private init(descriptor: Int32) {
        self.descriptor.withLockedValue { $0 = descriptor }
    }

    /// Waits for the lock.
    static func acquire(configuration: LabConfiguration) async throws(LabError) -> LabLock {
        let directory = configuration.workDirectory
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("lab.lock").path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw LabError(.processExited, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        let deadline = ContinuousClock.now + configuration.exclusiveWait
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard ContinuousClock.now < deadline else {
                close(fd)
                throw LabError(
                    .notReady, "another lab held \(path) for longer than \(configuration.exclusiveWait)")
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return LabLock(descriptor: fd)
    }

    /// Releases the lock; later calls do nothing.
    func release() {
        descriptor.withLockedValue { fd in
            guard let open = fd else { return }
            flock(open, LOCK_UN)
            close(open)
            fd = nil
        }
    }

    deinit { release() }
}
