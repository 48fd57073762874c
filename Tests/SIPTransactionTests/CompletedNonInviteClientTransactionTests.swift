import NIOCore
import Testing

@testable import SIPTransaction

/// The Completed state of a non-INVITE client transaction on its own must answer every event as the
/// full machine does in Completed (RFC 3261 §17.1.2.2), so a driver may keep it instead.
@Suite("CompletedNonInviteClientTransaction (RFC 3261 §17.1.2.2 Completed)")
struct CompletedNonInviteClientTransactionTests {
    enum Event: CaseIterable {
        case provisional, final, otherFinal, timerK, timerE, timerF, transportError

        func apply(to machine: inout ClientNonInviteTransaction, now: NIODeadline) -> TransactionActions {
            switch self {
            case .provisional: machine.responseReceived(statusCode: 180, now: now)
            case .final: machine.responseReceived(statusCode: 200, now: now)
            case .otherFinal: machine.responseReceived(statusCode: 503, now: now)
            case .timerK: machine.timerFired(.k, now: now)
            case .timerE: machine.timerFired(.e, now: now)
            case .timerF: machine.timerFired(.f, now: now)
            case .transportError: machine.transportError(now: now)
            }
        }

        func apply(to machine: inout CompletedNonInviteClientTransaction, now: NIODeadline) -> TransactionActions {
            switch self {
            case .provisional: machine.responseReceived(statusCode: 180, now: now)
            case .final: machine.responseReceived(statusCode: 200, now: now)
            case .otherFinal: machine.responseReceived(statusCode: 503, now: now)
            case .timerK: machine.timerFired(.k, now: now)
            case .timerE: machine.timerFired(.e, now: now)
            case .timerF: machine.timerFired(.f, now: now)
            case .transportError: machine.transportError(now: now)
            }
        }
    }

    @Test("every pair of events gives the same actions from the compact form as from the full machine")
    func sameActionsAsTheFullMachine() throws {
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        let later = start + .seconds(6)
        for statusCode in [200, 404] {
            for first in Event.allCases {
                for second in Event.allCases {
                    var full = ClientNonInviteTransaction(isReliable: false)
                    _ = full.start(now: start)
                    _ = full.responseReceived(statusCode: statusCode, now: start)
                    var compact = try #require(full.completedForm)
                    #expect(first.apply(to: &compact, now: later) == first.apply(to: &full, now: later), "\(first)")
                    #expect(
                        second.apply(to: &compact, now: later) == second.apply(to: &full, now: later),
                        "\(first) then \(second)")
                    #expect(compact.isTerminated == (full.state == .terminated), "\(first) then \(second)")
                }
            }
        }
    }

    @Test("only a transaction in Completed has a compact form; on TCP it never has one")
    func compactFormOnlyInCompleted() {
        let now = NIODeadline.uptimeNanoseconds(0)
        var udp = ClientNonInviteTransaction(isReliable: false)
        _ = udp.start(now: now)
        #expect(udp.completedForm == nil)
        _ = udp.responseReceived(statusCode: 100, now: now)
        #expect(udp.completedForm == nil, "Proceeding keeps the full machine")
        _ = udp.responseReceived(statusCode: 200, now: now)
        #expect(udp.completedForm == CompletedNonInviteClientTransaction())
        var tcp = ClientNonInviteTransaction(isReliable: true)
        _ = tcp.start(now: now)
        _ = tcp.responseReceived(statusCode: 200, now: now)
        #expect(tcp.state == .terminated)
        #expect(tcp.completedForm == nil)
    }
}
