import NIOCore
import SIPCore
import Testing

@testable import SIPUserAgent

/// A site's probe result pushed to a binding that did not ask for it (one OPTIONS per site target
/// serves every binding on it), on the virtual clock.
@Suite("RegistrationStateMachine: site probe results")
struct SiteProbeEventTests {
    @Test("ready: the site failing counts as this binding's failed probe now → failed; next probe one interval on")
    func siteFailureFailsAReadyBinding() {
        var h = RegistrationHarness(policy: RegistrationPolicy(probeInterval: .seconds(10)))
        h.startMachine()
        h.respond(200, expires: 3600)
        #expect(h.deadline(of: .probe) == 10)
        h.advance(seconds: 4)
        h.siteFailed(.transportError("port unreachable"))
        #expect(h.statuses == [.registering, .ready, .failed])
        #expect(h.reasons.last == .probeFailed(.transportError("port unreachable")))
        #expect(h.probes.isEmpty, "nothing sent: the site was probed for another binding")
        #expect(h.deadline(of: .probe) == 14, "the interval restarts from the site's result")
        #expect(h.deadline(of: .retry) == 64, "back-off as for its own failed probe")
        #expect(h.pending[.refresh] == nil)
    }

    @Test("threshold 2: two site failures in a row fail it, an answer in between resets the count")
    func siteResultsCountTowardTheThreshold() {
        var h = RegistrationHarness(policy: RegistrationPolicy(probeInterval: .seconds(10), probeFailureThreshold: 2))
        h.startMachine()
        h.respond(200, expires: 3600)
        h.siteFailed()
        #expect(h.status == .ready && h.machine.consecutiveProbeFailures == 1)
        h.siteAnswered()
        #expect(h.machine.consecutiveProbeFailures == 0)
        h.siteFailed()
        h.fire(.probe)
        h.failProbe()
        #expect(h.status == .failed, "a pushed failure and an own one add up")
        #expect(h.reasons.last == .probeFailed(.timeout))
    }

    @Test("failed after the site was unreachable: the site answering again REGISTERs at once, not at the back-off")
    func siteReturnReRegisters() {
        var h = RegistrationHarness(policy: RegistrationPolicy(baseTime: .seconds(60), probeInterval: .seconds(10)))
        h.startMachine()
        h.respond(200, expires: 3600)
        h.advance(seconds: 2)
        h.siteFailed()
        #expect(h.status == .failed)
        #expect(h.deadline(of: .retry) == 122)
        h.advance(seconds: 3)
        h.siteAnswered(404)  // any response will do
        #expect(h.registers.count == 2)
        #expect(h.registerTimes.last == 5)
        #expect(h.pending[.retry] == nil)
        h.respond(200, expires: 3600)
        #expect(h.statuses == [.registering, .ready, .failed, .ready])
        // Already registering: a second push of the same news sends nothing more.
        h.siteAnswered()
        #expect(h.registers.count == 2)
    }

    @Test("failed by a SIP response: the site answering does not cut the back-off short")
    func siteAnswerDoesNotBypassRejection() {
        var h = RegistrationHarness(policy: RegistrationPolicy(probeInterval: .seconds(10)))
        h.startMachine()
        h.respond(403)
        h.siteAnswered()
        #expect(h.registers.count == 1)
        #expect(h.deadline(of: .retry) == 60)
    }

    @Test("failed by a SIP response, then the site goes dark and returns: its return REGISTERs at once")
    func siteFailureAfterRejection() {
        var h = RegistrationHarness(policy: RegistrationPolicy(probeInterval: .seconds(10)))
        h.startMachine()
        h.respond(503)
        h.siteFailed()
        #expect(h.registers.count == 1 && h.statuses == [.registering, .failed])
        h.siteAnswered()
        #expect(h.registers.count == 2, "the site is back: REGISTER now, not at the back-off")
        #expect(h.pending[.retry] == nil)
    }

    @Test("a probe of its own that is out stays out and is still answered by its id")
    func ownProbeStaysOut() {
        var h = RegistrationHarness(policy: RegistrationPolicy(probeInterval: .seconds(10)))
        h.startMachine()
        h.respond(200, expires: 3600)
        h.fire(.probe)
        #expect(h.probes.count == 1)
        h.siteAnswered()
        h.fire(.probe)
        #expect(h.probes.count == 1, "still one at a time")
        h.failProbe()
        #expect(h.status == .failed && h.machine.consecutiveProbeFailures == 1)
    }

    @Test("ignored while registering, unregistering, disabled or with probes off")
    func ignoredOutsideProbing() {
        var registering = RegistrationHarness(policy: RegistrationPolicy(probeInterval: .seconds(10)))
        #expect(registering.machine.siteProbeFailed(.timeout, now: registering.now).isEmpty, "disabled")
        registering.startMachine()
        #expect(registering.machine.siteProbeFailed(.timeout, now: registering.now).isEmpty)
        #expect(
            registering.machine.siteProbeAnswered(statusCode: 200, reasonPhrase: "OK", now: registering.now).isEmpty)
        registering.respond(200, expires: 3600)
        registering.stopMachine()
        #expect(registering.status == .unregistering)
        #expect(registering.machine.siteProbeFailed(.timeout, now: registering.now).isEmpty)

        var noProbes = RegistrationHarness(policy: RegistrationPolicy(probeInterval: .seconds(0)))
        noProbes.startMachine()
        noProbes.respond(200, expires: 3600)
        #expect(noProbes.machine.siteProbeFailed(.timeout, now: noProbes.now).isEmpty)
        #expect(noProbes.status == .ready)
    }

    @Test("lifetime 0: the site's results move it failed ↔ ready without a probe of its own")
    func probeOnly() {
        var h = RegistrationHarness(policy: RegistrationPolicy(expires: .seconds(0), probeInterval: .seconds(10)))
        h.startMachine()
        h.answerProbe()
        h.advance(seconds: 3)
        h.siteFailed()
        #expect(h.statuses == [.ready, .failed])
        #expect(h.deadline(of: .probe) == 13)
        h.advance(seconds: 1)
        h.siteAnswered()
        #expect(h.statuses == [.ready, .failed, .ready])
        #expect(h.registers.isEmpty && h.probes.count == 1)
    }
}
