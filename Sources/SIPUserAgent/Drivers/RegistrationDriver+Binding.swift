import SIPCore
import SIPTransport

extension RegistrationDriver {
    /// One binding's long-lived state: a class, allocated once when the binding is added (before any
    /// REGISTER), so the table holds a pointer per binding and the start-up burst's short-lived
    /// transactions are not interleaved with it on the heap.
    ///
    /// Only what the binding needs later is kept, each thing once: the REGISTER builder holds the
    /// address of record, registrar and Contact; the OPTIONS probes are built from those when one is
    /// sent (``probe(branch:)``), so only their Call-ID, From tag and CSeq are stored; the rest of the
    /// configuration lives in the machine (policy, realms) or is the password.
    final class Binding {
        var machine: RegistrationStateMachine
        var builder: RegisterRequestBuilder
        var credentials: DigestCredentials?
        var probeCallID: String
        var probeFromTag: String
        var nextProbeSequence: UInt32 = 1
        var authenticator = DigestAuthenticator(reservingNonces: 1)
        var targets: [SIPTransportTarget] = []
        var targetIndex = 0
        var stopWaiters: [() -> Void] = []
        var removeWhenDisabled = false

        var currentTarget: SIPTransportTarget? { targetIndex < targets.count ? targets[targetIndex] : nil }

        init(
            machine: RegistrationStateMachine, builder: RegisterRequestBuilder, credentials: DigestCredentials?,
            probeCallID: String, probeFromTag: String
        ) {
            self.machine = machine
            self.builder = builder
            self.credentials = credentials
            self.probeCallID = probeCallID
            self.probeFromTag = probeFromTag
        }

        /// The next OPTIONS probe (RFC 3261 §11) of this binding: to the registrar's URI, From the
        /// address of record, one Call-ID and From tag for all, CSeq rising.
        func probe(branch: String) -> SIPMessage {
            var builder = OptionsRequestBuilder(
                targetURI: builder.registrarURI, addressOfRecord: builder.addressOfRecord, transport: builder.transport,
                localURI: builder.contact.uri, callID: probeCallID, fromTag: probeFromTag,
                firstSequenceNumber: nextProbeSequence)
            let message = builder.probe(branch: branch)
            nextProbeSequence = builder.nextSequenceNumber
            return message
        }
    }

    /// `response` with its challenges replaced by the equal list shared already (see
    /// ``sharedChallenges``); a new list becomes shared, the oldest forgotten past the limit.
    func sharingChallenges(_ response: RegisterResponse) -> RegisterResponse {
        guard !response.challenges.isEmpty else { return response }
        var shared = response
        if let known = sharedChallenges.last(where: { $0 == response.challenges }) {
            shared.challenges = known
        } else {
            if sharedChallenges.count >= Self.sharedChallengeLimit { sharedChallenges.removeFirst() }
            sharedChallenges.append(response.challenges)
        }
        return shared
    }

    /// `targets`, or the equal list stored already (see ``sharedTargets``).
    func sharing(_ targets: [SIPTransportTarget]) -> [SIPTransportTarget] {
        if let known = sharedTargets.last(where: { $0 == targets }) { return known }
        if sharedTargets.count >= Self.sharedChallengeLimit { sharedTargets.removeFirst() }
        sharedTargets.append(targets)
        return targets
    }
}
