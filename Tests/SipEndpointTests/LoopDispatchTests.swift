import NIOConcurrencyHelpers
import NIOCore
import SIPTransport
import SIPUserAgent
import Testing

@testable import SipEndpoint

/// The rule that hands what a phone's listeners receive to the shard (event loop) of its line.
@Suite("Loop dispatch: which shard a received message belongs to")
struct LoopDispatchTests {
    @Test("A shard's mark on a branch comes off as the branch it made and the shard's number")
    func branchMarks() {
        let branch = "z9hG4bK0123456789abcdef"
        let marked = LoopDispatch.mark(branch, shard: 3)
        #expect(marked == "z9hG4bK0123456789abcdef.3")
        #expect(LoopDispatch.unmark(marked)?.branch == branch)
        #expect(LoopDispatch.unmark(marked)?.shard == 3)
        #expect(LoopDispatch.unmark(LoopDispatch.mark(branch, shard: 12))?.shard == 12)
        // Someone else's branch, or ours without a mark: no shard.
        #expect(LoopDispatch.unmark(branch) == nil)
        #expect(LoopDispatch.unmark("z9hG4bK.abc") == nil)
        #expect(LoopDispatch.unmark("z9hG4bKx.") == nil)
    }

    @Test("A request's line is the DN of the Contact token its Request-URI carries, or the DN it names")
    func requestLines() {
        let token = String(repeating: "a1", count: LineIdentity.tokenLength / 2)
        #expect(LoopDispatch.line(inRequestURIUser: "7002-\(token)") == "7002")
        #expect(LoopDispatch.line(inRequestURIUser: "agent-7-\(token)") == "agent-7")
        #expect(LoopDispatch.line(inRequestURIUser: "7002") == "7002")
        // A dash without a token's shape is part of the DN.
        #expect(LoopDispatch.line(inRequestURIUser: "sales-desk") == "sales-desk")
    }

    @Test("Lines go to the shard with the fewest, stay there, and take their connections with them")
    func linePlacement() {
        let lines = LineShards(shardCount: 2)
        let first = lines.add(id: 0, line: "7001")
        let second = lines.add(id: 1, line: "7001")
        let third = lines.add(id: 2, line: "7002")
        let fourth = lines.add(id: nil, line: "7003")
        #expect(first.shard == second.shard, "one line, one loop")
        #expect(third.shard != first.shard, "the second line goes to the emptier shard")
        #expect(fourth.id == 3, "a new id follows every id taken")
        #expect(lines.shard(ofConnection: 2) == third.shard)
        lines.remove(id: 2)
        #expect(lines.shard(ofConnection: 2) == nil)
        #expect(lines.shard(ofLine: "7002") == third.shard, "a line keeps its loop")
        #expect(lines.shard(ofLine: "7999") == nil)
    }

    @Test("Shards share one probe per site target: the second waits for the first's, a fresh result answers")
    func oneProbePerSiteAcrossShards() throws {
        let exchange = SiteProbeExchange()
        let heard = NIOLockedValueBox<[Int]>([])
        for shard in 0..<3 { exchange.join(shard: shard) { _, _ in heard.withLockedValue { $0.append(shard) } } }
        let target = try SIPTransportTarget(transport: .udp, ipAddress: "127.0.0.1", port: 5060)
        let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)
        var sent = 0
        exchange.request(target, interval: .seconds(10), shard: 0, now: t0) { sent += 1 }
        exchange.request(target, interval: .seconds(10), shard: 1, now: t0 + .seconds(1)) { sent += 1 }
        #expect(sent == 1, "the second shard waits for the probe out")
        exchange.completed(target, .answered(statusCode: 200, reasonPhrase: "OK"), from: 0, now: t0 + .seconds(1))
        #expect(heard.withLockedValue { $0 } == [1], "the other shard that uses the site hears the sender's answer")
        exchange.request(target, interval: .seconds(10), shard: 2, now: t0 + .seconds(2)) { sent += 1 }
        #expect(sent == 1 && heard.withLockedValue { $0.last } == 2, "a fresh result answers a third shard")
        exchange.request(target, interval: .seconds(10), shard: 1, now: t0 + .seconds(6)) { sent += 1 }
        #expect(sent == 2, "a stale result does not: the next probe goes out")
    }
}
