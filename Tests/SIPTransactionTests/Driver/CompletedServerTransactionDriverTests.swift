import NIOCore
import NIOEmbedded
import SIPCore
import SIPTestSupport
import SIPTransport
import Testing

@testable import SIPTransaction

/// The driver's compact Completed state (RFC 3261 §17.2.2) over an in-memory transport on a virtual
/// clock: the final response's write is held open so each step can be watched.
@Suite("Completed server transaction (driver, virtual clock)")
struct CompletedServerTransactionDriverTests {
    /// Holds every final-response write open until the test settles it; records resends.
    final class HeldTransport: InMemoryTransport, @unchecked Sendable {
        let peer = try! SocketAddress(ipAddress: "127.0.0.9", port: 5070)
        var pendingFinal: [EventLoopPromise<SIPFlow>] = []
        var finalBytes: [ByteBuffer] = []
        var resent: [(bytes: ByteBuffer, flow: SIPFlow)] = []

        override func sendResponse(
            _ response: SIPMessage, serialized: ByteBuffer, topVia: SIPTopVia?, receivedOn flow: SIPFlow
        ) -> EventLoopFuture<SIPFlow> {
            finalBytes.append(serialized)
            let promise = loop.makePromise(of: SIPFlow.self)
            pendingFinal.append(promise)
            return promise.futureResult
        }

        override func resend(_ serialized: ByteBuffer, on flow: SIPFlow) -> EventLoopFuture<Void> {
            resent.append((serialized, flow))
            return loop.makeSucceededVoidFuture()
        }

        func receive(_ request: SIPMessage) { receive(request, from: peer) }
    }

    /// A layer over a held transport whose TU answers every request 200 and counts what it hears.
    final class Fixture {
        let transport = HeldTransport()
        let layer: SIPTransactionLayer
        var heard: [ServerTransactionID] = []

        init() {
            layer = SIPTransactionLayer(transport: transport)
            layer.onRequest = { [unowned self] incoming in
                guard let id = incoming.transaction else { return }
                self.heard.append(id)
                self.layer.respond(incoming.message.makeResponse(statusCode: 200, toTag: "uas1"), to: id)
            }
        }
    }

    @Test("a retransmission before the final response is written is answered once it is; Timer J ends it")
    func retransmissionBeforeTheFlowIsKnown() throws {
        let f = Fixture()
        let request = makeRequest(.options, branch: "z9hG4bK.held")
        f.transport.receive(request)
        let id = try #require(f.heard.first)
        #expect(!f.layer.holdsFullServerTransaction(id), "compact as soon as the final response goes out")
        #expect(try #require(f.layer.completedServerTransaction(id)).flow == nil)

        f.transport.receive(request)
        #expect(f.transport.resent.isEmpty, "nowhere to send yet: the final response is still being written")
        let written = SIPFlow(transport: .udp, localAddress: f.transport.local, remoteAddress: f.transport.peer)
        f.transport.pendingFinal[0].succeed(written)
        #expect(f.transport.resent.count == 1, "answered as soon as the flow is known")
        #expect(f.transport.resent.first?.bytes == f.transport.finalBytes.first)
        #expect(f.transport.resent.first?.flow == written)

        f.transport.receive(request)
        #expect(f.transport.resent.count == 2)
        #expect(f.heard.count == 1, "the TU hears the request once")

        f.transport.loop.advanceTime(by: .seconds(31))
        #expect(f.layer.transactionCount.server == 1)
        f.transport.loop.advanceTime(by: .seconds(2))
        #expect(f.layer.transactionCount.server == 0, "Timer J (64·T1 = 32 s) ends it")
        #expect(f.layer.completedServerTransaction(id) == nil)
    }

    @Test("a final response the transport cannot write ends the compact transaction (transport error)")
    func transportErrorEndsIt() throws {
        let f = Fixture()
        let request = makeRequest(.options, branch: "z9hG4bK.lost")
        f.transport.receive(request)
        let id = try #require(f.heard.first)
        f.transport.pendingFinal[0].fail(SIPTransportError(.connectionClosed, "test"))
        #expect(f.layer.completedServerTransaction(id) == nil)
        #expect(f.layer.transactionCount.server == 0)
        f.transport.receive(request)
        #expect(f.heard.count == 2, "with the transaction gone, the same request is new again")
    }
}
