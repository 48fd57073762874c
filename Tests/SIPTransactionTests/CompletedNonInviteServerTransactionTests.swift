import NIOCore
import Testing

@testable import SIPTransaction

/// The Completed state on its own must answer every event as the full machine does in Completed
/// (RFC 3261 §17.2.2), so a driver may keep it instead of the full machine.
@Suite("CompletedNonInviteServerTransaction (RFC 3261 §17.2.2 Completed)")
struct CompletedNonInviteServerTransactionTests {
    enum Event: CaseIterable {
        case retransmission, provisionalFromTU, finalFromTU, timerJ, otherTimer, transportError

        func apply(to machine: inout ServerNonInviteTransaction, now: NIODeadline) -> TransactionActions {
            switch self {
            case .retransmission: machine.requestRetransmissionReceived(now: now)
            case .provisionalFromTU: machine.tuSendsResponse(statusCode: 180, now: now)
            case .finalFromTU: machine.tuSendsResponse(statusCode: 500, now: now)
            case .timerJ: machine.timerFired(.j, now: now)
            case .otherTimer: machine.timerFired(.e, now: now)
            case .transportError: machine.transportError(now: now)
            }
        }

        func apply(to machine: inout CompletedNonInviteServerTransaction, now: NIODeadline) -> TransactionActions {
            switch self {
            case .retransmission: machine.requestRetransmissionReceived(now: now)
            case .provisionalFromTU: machine.tuSendsResponse(statusCode: 180, now: now)
            case .finalFromTU: machine.tuSendsResponse(statusCode: 500, now: now)
            case .timerJ: machine.timerFired(.j, now: now)
            case .otherTimer: machine.timerFired(.e, now: now)
            case .transportError: machine.transportError(now: now)
            }
        }
    }

    /// A full machine that has just entered Completed on UDP, and its compact form.
    static func completed(statusCode: Int) throws -> (ServerNonInviteTransaction, CompletedNonInviteServerTransaction) {
        let now = NIODeadline.uptimeNanoseconds(1_000_000_000)
        var full = ServerNonInviteTransaction(isReliable: false)
        _ = full.start(now: now)
        _ = full.tuSendsResponse(statusCode: statusCode, now: now)
        return (full, try #require(full.completedForm))
    }

    @Test("every pair of events gives the same actions from the compact form as from the full machine")
    func sameActionsAsTheFullMachine() throws {
        let now = NIODeadline.uptimeNanoseconds(2_000_000_000)
        for statusCode in [200, 404] {
            for first in Event.allCases {
                for second in Event.allCases {
                    var (full, compact) = try Self.completed(statusCode: statusCode)
                    #expect(first.apply(to: &compact, now: now) == first.apply(to: &full, now: now), "\(first)")
                    #expect(
                        second.apply(to: &compact, now: now) == second.apply(to: &full, now: now),
                        "\(first) then \(second)")
                    #expect(compact.isTerminated == (full.state == .terminated), "\(first) then \(second)")
                }
            }
        }
    }

    @Test("only a transaction in Completed has a compact form; on TCP it never has one")
    func compactFormOnlyInCompleted() {
        let now = NIODeadline.uptimeNanoseconds(0)
        var udp = ServerNonInviteTransaction(isReliable: false)
        _ = udp.start(now: now)
        #expect(udp.completedForm == nil)
        _ = udp.tuSendsResponse(statusCode: 100, now: now)
        #expect(udp.completedForm == nil, "Proceeding keeps the full machine")
        _ = udp.tuSendsResponse(statusCode: 200, now: now)
        #expect(udp.completedForm == CompletedNonInviteServerTransaction())
        var tcp = ServerNonInviteTransaction(isReliable: true)
        _ = tcp.start(now: now)
        _ = tcp.tuSendsResponse(statusCode: 200, now: now)
        #expect(tcp.state == .terminated)
        #expect(tcp.completedForm == nil)
    }
}
