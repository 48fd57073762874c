import NIOCore
import NIOPosix
import SIPCore
import SIPTestSupport
import SIPTransport
import Testing

@testable import SipEndpoint

/// A shard's view of the phone's listeners, the transport its transaction layer runs on, over real
/// loopback sockets.
@Suite("A shard's view of the listeners", .timeLimit(.minutes(1)))
struct ShardTransportTests {
    @Test("on the listeners' loop a request is written at once: its flow known, no future unless one is asked for")
    func aShardOnTheListenersLoopWritesAtOnce() async throws {
        let peer = try await SIPTestPeer.start()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let transport = SIPTransportLayer(
            configuration: SIPTransportConfiguration(listeners: [.init(.udp)], keepAliveInterval: nil), eventLoop: loop)
        let listeners = PhoneListeners(transport: transport, loops: [loop], shardOfLine: { _ in 0 })
        let view = listeners.makeView(shard: 0, on: loop)
        try await view.start().get()
        let target = try peer.target(.udp)

        let (quiet, reporting) = try await loop.submit {
            (
                view.write(
                    makeRequest(.options, transport: .udp, callID: "quiet"), to: target, reportingFailure: false),
                view.write(
                    makeRequest(.options, transport: .udp, callID: "reporting"), to: target, reportingFailure: true)
            )
        }.get()
        guard case .written(let flow, let none) = quiet, case .written(_, let completion) = reporting else {
            Issue.record("expected both written at once, got \(quiet) and \(reporting)")
            return
        }
        #expect(flow.remoteAddress == target.address && flow.transport == .udp)
        #expect(none == nil, "no failure report was asked for")
        try await #require(completion).get()
        let received = try await peer.waitForRecords(count: 2) { $0.message.method == .options }
        #expect(received.compactMap { try? $0.message.callID } == ["quiet", "reporting"])

        try await view.close().get()
        try await group.shutdownGracefully()
        try await peer.stop()
    }
}
