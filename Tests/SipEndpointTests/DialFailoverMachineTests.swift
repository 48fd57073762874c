import Testing

@testable import SipEndpoint

/// The dial rules with site fallback, each as a table over the pure machine.
@Suite("Dial failover rules")
struct DialFailoverMachineTests {
    typealias M = DialFailoverMachine
    static let twoReady = [M.Candidate(connectionId: 0, isReady: true), M.Candidate(connectionId: 1, isReady: true)]

    @Test func answeredOnTheRequestedConnection() {
        var m = M(requested: 0, candidates: Self.twoReady)
        #expect(m.start(requested: 0) == [.attempt(connectionId: 0, targetIndex: 0)])
        #expect(m.attemptEnded(.answered) == [.end(.connected(connectionId: 0))])
        #expect(m.isFinished)
    }

    @Test(arguments: [408, 503, 504])
    func retryCodesMoveToTheNextConnection(code: Int) {
        var m = M(requested: 0, candidates: Self.twoReady)
        _ = m.start(requested: 0)
        let actions = m.attemptEnded(.finalResponse(statusCode: code, reasonPhrase: "x"))
        #expect(
            actions == [
                .reportConnectionTrouble(connectionId: 0),
                .failedOver(from: 0, to: 1, cause: .response(statusCode: code, reasonPhrase: "x")),
                .attempt(connectionId: 1, targetIndex: 0),
            ])
        #expect(m.attemptEnded(.answered) == [.end(.connected(connectionId: 1))])
    }

    @Test func timeoutAndTransportFailureMoveOn() {
        var m = M(requested: 1, candidates: Self.twoReady)
        _ = m.start(requested: 1)
        #expect(m.attemptEnded(.timeout).contains(.failedOver(from: 1, to: 0, cause: .timeout)))
        var t = M(requested: 0, candidates: Self.twoReady)
        _ = t.start(requested: 0)
        #expect(t.attemptEnded(.transportFailure("refused")).last == .attempt(connectionId: 1, targetIndex: 0))
    }

    @Test(arguments: [404, 480, 486, 603, 302, 401])
    func otherFinalResponsesEndTheDial(code: Int) {
        var m = M(requested: 0, candidates: Self.twoReady)
        _ = m.start(requested: 0)
        #expect(
            m.attemptEnded(.finalResponse(statusCode: code, reasonPhrase: "r")) == [
                .end(.rejected(statusCode: code, reasonPhrase: "r"))
            ])
        #expect(m.attemptEnded(.timeout).isEmpty, "nothing after the end")
    }

    @Test func configuredRetryCodesAreHonoured() {
        var m = M(requested: 0, candidates: Self.twoReady, retryCodes: [480])
        _ = m.start(requested: 0)
        #expect(
            m.attemptEnded(.finalResponse(statusCode: 480, reasonPhrase: "Temporarily Unavailable")).last
                == .attempt(connectionId: 1, targetIndex: 0))
        var n = M(requested: 0, candidates: Self.twoReady, retryCodes: [480])
        _ = n.start(requested: 0)
        #expect(
            n.attemptEnded(.finalResponse(statusCode: 503, reasonPhrase: "Service Unavailable")) == [
                .end(.rejected(statusCode: 503, reasonPhrase: "Service Unavailable"))
            ])
    }

    @Test func notReadyRequestedConnectionIsSkippedAtOnce() {
        var m = M(
            requested: 0,
            candidates: [M.Candidate(connectionId: 0, isReady: false), M.Candidate(connectionId: 1, isReady: true)])
        #expect(
            m.start(requested: 0) == [
                .failedOver(from: 0, to: 1, cause: .connectionNotReady), .attempt(connectionId: 1, targetIndex: 0),
            ])
        // The not-ready connection is still tried last.
        #expect(m.attemptEnded(.timeout).last == .attempt(connectionId: 0, targetIndex: 0))
    }

    @Test func noneReadyTriesTheRequestedOneFirst() {
        var m = M(
            requested: 1,
            candidates: [M.Candidate(connectionId: 0, isReady: false), M.Candidate(connectionId: 1, isReady: false)])
        #expect(m.start(requested: 1) == [.attempt(connectionId: 1, targetIndex: 0)])
    }

    @Test func srvTargetsOfASiteBeforeTheOtherSite() {
        var m = M(
            requested: 0,
            candidates: [
                M.Candidate(connectionId: 0, isReady: true, targetCount: 2),
                M.Candidate(connectionId: 1, isReady: true),
            ])
        _ = m.start(requested: 0)
        #expect(
            m.attemptEnded(.timeout) == [
                .reportConnectionTrouble(connectionId: 0), .attempt(connectionId: 0, targetIndex: 1),
            ])
        #expect(m.attemptEnded(.timeout).last == .attempt(connectionId: 1, targetIndex: 0))
    }

    @Test func everyConnectionAtMostOnceThenTheLastCodeEndsIt() {
        var m = M(requested: 0, candidates: Self.twoReady)
        _ = m.start(requested: 0)
        _ = m.attemptEnded(.finalResponse(statusCode: 503, reasonPhrase: "Service Unavailable"))
        let last = m.attemptEnded(.timeout)
        #expect(last.last == .end(.failed(statusCode: 408, reasonPhrase: "Request Timeout")))
        #expect(!last.contains { if case .attempt = $0 { true } else { false } })
    }

    @Test func cancelStopsTheAttempts() {
        var m = M(requested: 0, candidates: Self.twoReady)
        _ = m.start(requested: 0)
        #expect(m.cancel() == [.end(.cancelled)])
        #expect(m.attemptEnded(.timeout).isEmpty, "no attempt starts after a cancel")
        #expect(m.cancel().isEmpty)
    }

    @Test func noConnectionsAtAll() {
        var m = M(requested: 0, candidates: [])
        #expect(m.start(requested: 0) == [.end(.failed(statusCode: 503, reasonPhrase: "Service Unavailable"))])
    }
}
