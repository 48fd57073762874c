import NIOCore

@testable import SIPMedia

extension RTPMediaSession {
    /// The session's figures once `condition` holds, looking every 20 ms for at most `timeout`; the
    /// caller asserts what it needs on what comes back (the last figures when time ran out).
    func statistics(
        within timeout: Duration = .seconds(10), until condition: (MediaStreamStatistics) -> Bool
    ) async throws -> MediaStreamStatistics {
        let deadline = ContinuousClock.now + timeout
        while true {
            let figures = try await eventLoop.submit { self.statistics() }.get()
            if condition(figures) || ContinuousClock.now >= deadline { return figures }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// Whether `condition` came to hold, looking every 10 ms for at most `timeout` (a socket test waits
/// for what it can observe, with a bound).
func eventually(within timeout: Duration = .seconds(5), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}
