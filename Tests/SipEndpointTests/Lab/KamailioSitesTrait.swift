import SIPTestSupport
import Testing

/// Starts the two Kamailio sites once for the suite it is attached to (no SIPp: registration needs
/// none) and stops them afterwards, whether the tests pass, fail or throw. The launcher waits while
/// another lab runs (`LabConfiguration.exclusiveWait`), because the sites use fixed addresses.
struct KamailioSitesTrait: SuiteTrait, TestScoping {
    @TaskLocal static var current: KamailioSites?

    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        // On CI a missing binary is a failure with its name, never a skip (see `labIsRunnable`).
        try LabRequirement.current.require()
        try await KamailioSites.with { sites in
            try await Self.$current.withValue(sites) { try await function() }
        }
    }
}

extension Trait where Self == KamailioSitesTrait {
    /// Both Kamailio sites, for a serialized suite.
    static var kamailioSites: Self { Self() }
}

/// Skips lab suites on a developer machine without the lab installed; with CI=true they run and fail.
let labIsRunnable = LabRequirement.current.shouldRun
