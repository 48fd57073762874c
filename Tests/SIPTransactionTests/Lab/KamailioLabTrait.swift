import SIPTestSupport
import Testing

/// Starts both Kamailio sites (and the SIPp UAS) once for the suite it is attached to, and stops
/// them afterwards; the same trait as SIPTestSupportTests' (test targets cannot share code).
/// `KamailioLab.with` holds the machine-wide lab lock, so this suite and that one never overlap.
struct KamailioLabTrait: SuiteTrait, TestScoping {
    @TaskLocal static var current: KamailioLab?

    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        // On CI a missing binary is a failure with its name, never a skip (see `labIsRunnable`).
        try LabRequirement.current.require()
        try await KamailioLab.with { lab in
            try await Self.$current.withValue(lab) { try await function() }
        }
    }
}

extension Trait where Self == KamailioLabTrait {
    static var kamailioLab: Self { Self() }
}

/// Skips lab suites on a developer machine without the lab installed; on CI they run and fail.
let labIsRunnable = LabRequirement.current.shouldRun
