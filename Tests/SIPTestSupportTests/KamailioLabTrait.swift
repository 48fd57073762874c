import SIPTestSupport
import Testing

/// Starts the whole lab once for the suite it is attached to and stops every process afterwards,
/// whether the tests pass, fail or throw. Tests reach it through `KamailioLabTrait.current`.
struct KamailioLabTrait: SuiteTrait, TestScoping {
    @TaskLocal static var current: KamailioLab?

    /// Once per suite, not once per test: starting two sites and five UAS costs about a second.
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        // On CI a missing binary is a failure with its name, never a skip (see `.enabled` below).
        try LabRequirement.current.require()
        try await KamailioLab.with { lab in
            try await Self.$current.withValue(lab) { try await function() }
        }
    }
}

extension Trait where Self == KamailioLabTrait {
    /// Both Kamailio sites and the SIPp UAS, for a serialized suite (they use fixed addresses).
    static var kamailioLab: Self { Self() }
}

/// Skips lab suites on a developer machine without the lab installed; on CI they run and fail.
let labIsRunnable = LabRequirement.current.shouldRun
