import NIOCore
import Testing

@testable import SIPTransaction

@Suite("Client machine ↔ server machine over a lossy simulated UDP network, one mock clock")
struct ClientServerExchangeTests {
    @Test("OPTIONS → 200 with no loss: one transmission, both sides end (K = 5 s, J = 32 s)")
    func nonInviteNoLoss() {
        var exchange = SimulatedExchange<ClientNonInviteTransaction, ServerNonInviteTransaction>(
            client: ClientNonInviteTransaction(isReliable: false), serverTUAnswers: [200])
        exchange.run()
        #expect(exchange.clientTUResponses.map(\.statusCode) == [200])
        #expect(exchange.clientTUResponses.first.map { Int($0.ms) } == 40)
        #expect(exchange.client.retransmissionCount == 0)
        #expect(exchange.clientTerminated && exchange.serverTerminated)
        #expect(exchange.elapsedMilliseconds == 20 + 32_000)
    }

    @Test("OPTIONS → 200, first 2 requests lost: the third transmission (1.5 s) gets through")
    func nonInviteRecoversFromRequestLoss() {
        var exchange = SimulatedExchange<ClientNonInviteTransaction, ServerNonInviteTransaction>(
            client: ClientNonInviteTransaction(isReliable: false), serverTUAnswers: [200], dropFirstToServer: 2)
        exchange.run()
        #expect(exchange.packetsDropped == 2)
        #expect(exchange.clientTUResponses.map(\.statusCode) == [200])
        #expect(exchange.clientTUResponses.first?.isLocal == false)
        #expect(exchange.clientTUResponses.first.map { Int($0.ms) } == 1540)
        #expect(exchange.client.retransmissionCount == 2)
        #expect(exchange.serverTURequests == 1)
    }

    @Test("OPTIONS → 200, the request arrives but the 200 is lost: the retransmitted request gets the 200 again")
    func nonInviteRecoversFromResponseLoss() {
        var exchange = SimulatedExchange<ClientNonInviteTransaction, ServerNonInviteTransaction>(
            client: ClientNonInviteTransaction(isReliable: false), serverTUAnswers: [200], dropFirstToClient: 1)
        exchange.run()
        // The request arrives at 20 ms and its 200 is lost; the retransmission at 500 ms arrives
        // at 520 ms, the server transaction (Completed) resends the 200, which arrives at 540 ms.
        #expect(exchange.clientTUResponses.map(\.statusCode) == [200])
        #expect(exchange.clientTUResponses.first.map { Int($0.ms) } == 540)
        #expect(exchange.serverTURequests == 1)
        #expect(exchange.server?.responseRetransmissionCount == 1)
    }

    @Test("Everything lost: the client gives up after 4 s with a local 408")
    func nonInviteTotalLoss() {
        var exchange = SimulatedExchange<ClientNonInviteTransaction, ServerNonInviteTransaction>(
            client: ClientNonInviteTransaction(isReliable: false), serverTUAnswers: [200], dropFirstToServer: 1_000)
        exchange.run()
        #expect(exchange.clientTUResponses.map(\.statusCode) == [408])
        #expect(exchange.clientTUResponses.first?.isLocal == true)
        #expect(exchange.clientTUResponses.first.map { Int($0.ms) } == 4000)
        #expect(exchange.client.retransmissionCount == 3)
        #expect(exchange.server == nil)
    }

    @Test(
        "INVITE → 100, 486; the first 2 INVITEs and then the 100 and the 486 lost: Timer A, then Timer G recover; ACK confirms"
    )
    func inviteRecoversFromLoss() {
        var exchange = SimulatedExchange<ClientInviteTransaction, ServerInviteTransaction>(
            client: ClientInviteTransaction(isReliable: false), serverTUAnswers: [486],
            dropFirstToServer: 2, dropFirstToClient: 2)
        exchange.run()
        // INVITE at 0 and 500 ms lost; INVITE at 1500 ms arrives at 1520; 100 and 486 lost;
        // Timer G resends 486 at 2020, it arrives at 2040; the ACK arrives at 2060.
        #expect(exchange.packetsDropped == 4)
        #expect(exchange.clientTUResponses.map(\.statusCode) == [486])
        #expect(exchange.clientTUResponses.first.map { Int($0.ms) } == 2040)
        #expect(exchange.client.retransmissionCount == 2)
        #expect(exchange.server?.state == .terminated)
        #expect(exchange.elapsedMilliseconds == 2040 + 32_000)
        #expect(exchange.acksSent >= 1)
        #expect(exchange.serverTUFailures.isEmpty)
        #expect(exchange.clientTerminated && exchange.serverTerminated)
        #expect(exchange.serverTURequests == 1)
    }

    @Test("INVITE → 180, 200 with the first INVITE lost: both sides reach Accepted and end by Timers M and L")
    func inviteAccepted() {
        var exchange = SimulatedExchange<ClientInviteTransaction, ServerInviteTransaction>(
            client: ClientInviteTransaction(isReliable: false), serverTUAnswers: [180, 200], dropFirstToServer: 1)
        exchange.run()
        #expect(exchange.clientTUResponses.map(\.statusCode) == [100, 180, 200])
        #expect(exchange.client.retransmissionCount == 1)
        #expect(exchange.acksSent == 0)
        #expect(exchange.clientTerminated && exchange.serverTerminated)
        #expect(exchange.elapsedMilliseconds == 520 + 20 + 32_000)
    }

    @Test("INVITE with total loss: local 408 after 4 s (the sip_transaction_timeout), 3 retransmissions")
    func inviteTotalLoss() {
        var exchange = SimulatedExchange<ClientInviteTransaction, ServerInviteTransaction>(
            client: ClientInviteTransaction(isReliable: false), serverTUAnswers: [200], dropFirstToServer: 1_000)
        exchange.run()
        #expect(exchange.clientTUResponses.map(\.statusCode) == [408])
        #expect(exchange.clientTUResponses.first?.isLocal == true)
        #expect(exchange.client.retransmissionCount == 3)
    }
}
