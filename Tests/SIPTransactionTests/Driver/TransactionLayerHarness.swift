import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SIPCore
import SIPTransport

@testable import SIPTransaction

/// A transaction layer on its own event loop, with async helpers for tests.
final class TransactionLayerHarness: Sendable {
    let group: MultiThreadedEventLoopGroup
    let layer: SIPTransactionLayer
    let requests = NIOLockedValueBox<[IncomingRequest]>([])

    init(
        timers: TransactionTimerConfiguration = TransactionTimerConfiguration(),
        adaptiveTimers: AdaptiveTimerPolicy = AdaptiveTimerPolicy(),
        listeners: [SIPTransportConfiguration.Listener] = [.init(.udp), .init(.tcp)],
        tls: SIPTransportConfiguration.TLS = .init()
    ) async throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        layer = SIPTransactionLayer(
            transportConfiguration: SIPTransportConfiguration(listeners: listeners, tls: tls, keepAliveInterval: nil),
            eventLoop: group.next(), timers: timers, adaptiveTimers: adaptiveTimers)
        try await layer.start().get()
    }

    func stop() async throws {
        try await layer.shutdown().get()
        try await group.shutdownGracefully()
    }

    /// Sends `request` in a client transaction and collects its events until the final one.
    func send(_ request: SIPMessage, to target: SIPTransportTarget) async -> [ClientTransactionEvent] {
        let events = NIOLockedValueBox<[ClientTransactionEvent]>([])
        return await withCheckedContinuation { continuation in
            layer.eventLoop.execute {
                let id = self.layer.sendRequest(request, to: target) { event in
                    events.withLockedValue { $0.append(event) }
                    switch event {
                    case .final, .failed: continuation.resume(returning: events.withLockedValue { $0 })
                    case .provisional: break
                    }
                }
                if id == nil { continuation.resume(returning: []) }
            }
        }
    }

    /// Answers every request the TU gets with `statusCode`, recording them; returns once the handler is
    /// in place. (Were it only queued, a request read in the same loop turn — a loop runs its I/O before
    /// its queued tasks — would reach no TU: an INVITE then gets only 100 Trying and its client waits in
    /// Proceeding, where no timer ends it.)
    func answerEverything(with statusCode: Int) async throws {
        try await layer.eventLoop.submit {
            self.layer.onRequest = { incoming in
                self.requests.withLockedValue { $0.append(incoming) }
                guard let id = incoming.transaction else { return }
                self.layer.respond(incoming.message.makeResponse(statusCode: statusCode, toTag: "uas1"), to: id)
            }
        }.get()
    }

    func localAddress(_ transport: SIPTransportProtocol) -> SocketAddress? {
        layer.transport.localAddress(for: transport)
    }
}

func makeRequest(
    _ method: SIPMethod, branch: String = "z9hG4bK" + String(UInt64.random(in: 1...UInt64.max), radix: 36),
    callID: String = "call-" + String(UInt64.random(in: 1...UInt64.max), radix: 36),
    fromTag: String = "from1", cseq: UInt32 = 1, transport: String = "UDP"
) -> SIPMessage {
    var headers = SIPHeaders()
    headers.add(.via, "SIP/2.0/\(transport) 127.0.0.1;branch=\(branch);rport")
    headers.add(.maxForwards, "70")
    headers.add(.from, "<sip:alice@127.0.0.1>;tag=\(fromTag)")
    headers.add(.to, "<sip:bob@127.0.0.1>")
    headers.add(.callID, callID)
    headers.add(.cseq, "\(cseq) \(method)")
    return .request(method: method, uri: try! SIPURI("sip:bob@127.0.0.1"), headers: headers)
}
