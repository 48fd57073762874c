import SIPUserAgent
import Testing

@testable import SipEndpoint

/// Whether a failed session refresh or an expiry ends the call.
@Suite("Lost session rule")
struct LostSessionRuleTests {
    @Test func aFailedRefreshEndsTheCallOnlyWhenMediaIsSilentToo() {
        let failed = SIPUserAgent.InviteSessionTimerEvent.refreshFailed(
            statusCode: 408, reasonPhrase: "Request Timeout", local: true)
        #expect(
            LostSessionRule.decide(failed, mediaSilent: true, connectionFailed: true)
                == .end("session refresh failed (408 Request Timeout) and no media"))
        guard case .keep = LostSessionRule.decide(failed, mediaSilent: false, connectionFailed: true) else {
            Issue.record("a call whose media flows must stay")
            return
        }
    }

    @Test func anExpiryEndsTheCallUnlessTheSiteIsDownAndMediaFlows() {
        let expired = SIPUserAgent.InviteSessionTimerEvent.expired
        if case .keep = LostSessionRule.decide(expired, mediaSilent: false, connectionFailed: false) {
            Issue.record("§10: a healthy site that did not refresh ends the session")
        }
        if case .keep = LostSessionRule.decide(expired, mediaSilent: true, connectionFailed: true) {
            Issue.record("no refresh and no media: the call is gone")
        }
        guard case .keep = LostSessionRule.decide(expired, mediaSilent: false, connectionFailed: true) else {
            Issue.record("the refresh could not reach us, and the media flows: the call stays")
            return
        }
    }
}
