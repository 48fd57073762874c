import SIPTestSupport
import Testing

@Suite("Lab prerequisites decide between skip and fail")
struct LabRequirementTests {
    private func nothingInstalled(ci: String?) -> LabRequirement {
        var requirement = LabRequirement(
            environment: ci.map { ["CI": $0, "PATH": "/nonexistent"] } ?? ["PATH": "/nonexistent"])
        requirement.kamailio = nil
        requirement.kamailioTLSModule = nil
        requirement.sipp = nil
        requirement.openssl = nil
        return requirement
    }

    @Test func onCIAMissingBinaryRunsAndFailsNamingIt() {
        let requirement = nothingInstalled(ci: "true")
        #expect(requirement.shouldRun)
        #expect(throws: LabError(.missingPrerequisite, "")) { try requirement.require() }
        #expect(requirement.explanation.contains("kamailio-tls-modules"))
        #expect(requirement.explanation.contains("sip-tester"))
    }

    @Test func offCIAMissingBinarySkips() {
        #expect(nothingInstalled(ci: nil).shouldRun == false)
        #expect(nothingInstalled(ci: "false").shouldRun == false)
    }
}
