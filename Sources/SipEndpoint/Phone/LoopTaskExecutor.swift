import NIOCore

/// A task executor (SE-0417) that runs a task's jobs on one of the phone's event loops, so that a
/// back end's task driving calls on that line does not hop threads at every step: its calls into the
/// phone and the events it awaits are then served on the loop where the line's state lives, where
/// otherwise each would wake a thread of Swift's global pool (and each answer wake the loop).
///
/// Use it with `withTaskExecutorPreference(phone.taskExecutor(ofConnection: id)) { ... }`. Jobs run
/// in the loop's order among its own work: code run this way must not block (the loop's timers and
/// sockets wait for it), exactly like code in a NIO channel handler. Child tasks (`async let`, task
/// groups) inherit the preference; an unstructured `Task {}` does not, and actors keep their own
/// executors. The loop's group must outlive the tasks: a job enqueued on a loop that has shut down
/// never runs (NIO drops it), so a task still preferring it would never resume.
public final class LoopTaskExecutor: TaskExecutor {
    /// The loop the jobs run on.
    public let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Runs `job` on ``eventLoop``, after the work already queued there.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
