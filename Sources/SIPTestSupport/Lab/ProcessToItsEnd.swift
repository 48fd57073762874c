import Foundation

extension Process {
    /// Starts the process and returns, once it has exited, what it wrote to `output` (the pipe set as
    /// its standard output, and perhaps its error). The blocking read and wait happen on a thread of
    /// their own, never on one of Swift's concurrency pool: that pool has as many threads as cores
    /// (two here), so a test blocked in it for the seconds a child runs holds up every other running
    /// test's continuations with it, and their wall-clock bounds fail for a reason not theirs.
    package func runToItsEnd(reading output: Pipe) async throws -> Data {
        try run()
        let waiting = Waiting(process: self, output: output)
        return await withCheckedContinuation { continuation in
            Thread {
                let data = waiting.output.fileHandleForReading.readDataToEndOfFile()
                waiting.process.waitUntilExit()
                continuation.resume(returning: data)
            }.start()
        }
    }

    /// The process and its pipe, handed to the waiting thread (which alone touches them until the end).
    private final class Waiting: @unchecked Sendable {
        let process: Process
        let output: Pipe

        init(process: Process, output: Pipe) {
            self.process = process
            self.output = output
        }
    }
}
