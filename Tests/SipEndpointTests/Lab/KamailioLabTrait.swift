import SIPTestSupport
import Testing

/// Starts the whole lab (both Kamailio sites and the SIPp UAS behind the test numbers) once for the
/// suite it is attached to, and stops every process afterwards, whether the tests pass, fail or throw.
/// The call tests need the UAS; the registration tests need only the sites (`KamailioSitesTrait`).
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
    /// Both Kamailio sites and the SIPp UAS, for a serialized suite (they use fixed addresses).
    static var kamailioLab: Self { Self() }
}
