import NIOCore
import SIPTransport
import Testing

@testable import SIPUserAgent

/// One OPTIONS per site target for every binding on it, on a clock moved by hand.
@Suite("SiteProbeTable (health per site)")
struct SiteProbeTableTests {
    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
    static let siteA = SIPTransportTarget(
        transport: .udp, address: try! SocketAddress(ipAddress: "127.0.0.1", port: 5060))
    static let siteB = SIPTransportTarget(
        transport: .udp, address: try! SocketAddress(ipAddress: "127.0.0.2", port: 5060))
    static let interval = TimeAmount.seconds(10)

    static func at(_ seconds: Double) -> NIODeadline { start + .nanoseconds(Int64(seconds * 1e9)) }

    @Test("the first binding sends, the others wait for it; the result answers each with its own probe id")
    func oneProbeForAll() {
        var table = SiteProbeTable()
        #expect(
            table.request(binding: 1, probeID: 11, target: Self.siteA, interval: Self.interval, now: Self.at(0))
                == .send)
        #expect(
            table.request(binding: 2, probeID: 21, target: Self.siteA, interval: Self.interval, now: Self.at(0.1))
                == .wait)
        #expect(
            table.request(binding: 3, probeID: 31, target: Self.siteA, interval: Self.interval, now: Self.at(0.2))
                == .wait)
        // Another site is probed on its own.
        #expect(
            table.request(binding: 4, probeID: 41, target: Self.siteB, interval: Self.interval, now: Self.at(0.2))
                == .send)

        let done = table.completed(
            target: Self.siteA, result: .answered(statusCode: 200, reasonPhrase: "OK"), now: Self.at(0.3))
        #expect(
            done.waiters == [
                .init(binding: 1, probeID: 11), .init(binding: 2, probeID: 21), .init(binding: 3, probeID: 31),
            ])
        #expect(done.others.isEmpty)
        #expect(table[Self.siteA]?.inFlightSince == nil)
        #expect(table[Self.siteA]?.last?.sentAt == Self.at(0), "a result is as old as the probe that gave it")
        #expect(table[Self.siteB]?.waiters == [.init(binding: 4, probeID: 41)], "site B's probe is still out")
    }

    @Test("a result younger than half the interval answers at once; an older one sends a new probe")
    func freshResultAnswers() {
        var table = SiteProbeTable()
        _ = table.request(binding: 1, probeID: 1, target: Self.siteA, interval: Self.interval, now: Self.at(0))
        _ = table.completed(target: Self.siteA, result: .failed(.timeout), now: Self.at(0.6))
        #expect(
            table.request(binding: 2, probeID: 2, target: Self.siteA, interval: Self.interval, now: Self.at(4.9))
                == .answer(.failed(.timeout)))
        #expect(table[Self.siteA]?.waiters.isEmpty == true, "an answered binding waits for nothing")
        // A binding probing every 2 s finds the same result stale.
        #expect(
            table.request(binding: 3, probeID: 3, target: Self.siteA, interval: .seconds(2), now: Self.at(1.0)) == .send
        )
        _ = table.completed(
            target: Self.siteA, result: .answered(statusCode: 404, reasonPhrase: "Not Found"), now: Self.at(1.1))
        #expect(
            table.request(binding: 1, probeID: 4, target: Self.siteA, interval: Self.interval, now: Self.at(6.0))
                == .send,
            "5 s after the last probe was sent is no longer fresh for a 10 s interval")
        #expect(SiteProbeTable.freshness(interval: .seconds(10)) == .seconds(5))
    }

    @Test("the result goes to the waiters and to every other binding on the target, not to other sites")
    func othersAreTold() {
        var table = SiteProbeTable()
        table.assign(binding: 5, to: Self.siteA)  // registered there, no probe asked yet
        table.assign(binding: 6, to: Self.siteA)
        table.assign(binding: 7, to: Self.siteB)
        _ = table.request(binding: 1, probeID: 1, target: Self.siteA, interval: Self.interval, now: Self.at(0))
        let done = table.completed(
            target: Self.siteA, result: .failed(.transportError("unreachable")), now: Self.at(0.5))
        #expect(done.waiters.map(\.binding) == [1])
        #expect(Set(done.others) == [5, 6])
        #expect(table[Self.siteA]?.members == [1, 5, 6])
    }

    @Test("a binding that moves to another target leaves the old one's members but still gets the probe it waits for")
    func movingBinding() {
        var table = SiteProbeTable()
        _ = table.request(binding: 1, probeID: 1, target: Self.siteA, interval: Self.interval, now: Self.at(0))
        _ = table.request(binding: 2, probeID: 2, target: Self.siteA, interval: Self.interval, now: Self.at(0))
        table.assign(binding: 2, to: Self.siteB)
        #expect(table.target(of: 2) == Self.siteB)
        let done = table.completed(target: Self.siteA, result: .failed(.timeout), now: Self.at(1))
        #expect(done.waiters.map(\.binding) == [1, 2])
        #expect(done.others.isEmpty)
        #expect(table[Self.siteA]?.members == [1])
        #expect(table[Self.siteB]?.members == [2])
    }

    @Test("a removed binding is neither told nor waited for; a site nobody uses is forgotten")
    func leaving() {
        var table = SiteProbeTable()
        _ = table.request(binding: 1, probeID: 1, target: Self.siteA, interval: Self.interval, now: Self.at(0))
        _ = table.request(binding: 2, probeID: 2, target: Self.siteA, interval: Self.interval, now: Self.at(0))
        table.assign(binding: 3, to: Self.siteA)
        table.leave(binding: 2)
        table.leave(binding: 3)
        let done = table.completed(
            target: Self.siteA, result: .answered(statusCode: 200, reasonPhrase: "OK"), now: Self.at(1))
        #expect(done.waiters.map(\.binding) == [1])
        #expect(done.others.isEmpty)
        table.leave(binding: 1)
        #expect(table[Self.siteA] == nil)
    }

    @Test("a binding asking again while waiting is recorded once, with its latest probe id")
    func askingTwice() {
        var table = SiteProbeTable()
        _ = table.request(binding: 1, probeID: 1, target: Self.siteA, interval: Self.interval, now: Self.at(0))
        _ = table.request(binding: 2, probeID: 2, target: Self.siteA, interval: Self.interval, now: Self.at(0))
        #expect(
            table.request(binding: 2, probeID: 3, target: Self.siteA, interval: Self.interval, now: Self.at(0.1))
                == .wait)
        #expect(table[Self.siteA]?.waiters == [.init(binding: 1, probeID: 1), .init(binding: 2, probeID: 3)])
    }

    @Test("a call's trouble forgets the last result: the next request probes")
    func invalidate() {
        var table = SiteProbeTable()
        _ = table.request(binding: 1, probeID: 1, target: Self.siteA, interval: Self.interval, now: Self.at(0))
        _ = table.completed(
            target: Self.siteA, result: .answered(statusCode: 200, reasonPhrase: "OK"), now: Self.at(0.1))
        table.invalidate(target: Self.siteA)
        #expect(
            table.request(binding: 2, probeID: 2, target: Self.siteA, interval: Self.interval, now: Self.at(1)) == .send
        )
    }

    @Test("a probe out longer than any transaction lives is taken as lost: the next request sends again")
    func lostProbe() {
        var table = SiteProbeTable()
        _ = table.request(binding: 1, probeID: 1, target: Self.siteA, interval: Self.interval, now: Self.at(0))
        #expect(
            table.request(binding: 2, probeID: 2, target: Self.siteA, interval: Self.interval, now: Self.at(119))
                == .wait)
        #expect(
            table.request(binding: 3, probeID: 3, target: Self.siteA, interval: Self.interval, now: Self.at(121))
                == .send)
        let done = table.completed(target: Self.siteA, result: .failed(.timeout), now: Self.at(122))
        #expect(done.waiters.map(\.binding) == [1, 2, 3], "nobody that waited is forgotten")
    }

    /// 1,000 bindings on one site, each probing every 10 s at its own phase, the site answering in
    /// 50 ms, and a pushed result restarting a binding's interval as the machine does: the site gets
    /// about one OPTIONS per interval, not 1,000.
    @Test("1,000 bindings at random phases: one or two OPTIONS per interval, every probe answered")
    func rateAtScale() {
        var table = SiteProbeTable()
        var generator = SystemRandomNumberGenerator()
        let count = 1_000
        var due: [Int: Set<Int>] = [:]  // ms -> bindings whose probe timer fires then
        for b in 0..<count { due[Int.random(in: 0..<10_000, using: &generator), default: []].insert(b) }
        func move(_ b: Int, from old: Int?, to new: Int) {
            if let old { due[old]?.remove(b) }
            due[new, default: []].insert(b)
        }
        var nextDue = [Int: Int]()
        for (ms, bs) in due { for b in bs { nextDue[b] = ms } }
        var outUntil: Int?
        var sent: [Int] = []
        var answers = 0
        var nextID: UInt64 = 1
        for ms in 0..<60_000 {
            let now = Self.at(Double(ms) / 1000)
            if let until = outUntil, ms >= until {
                let done = table.completed(
                    target: Self.siteA, result: .answered(statusCode: 200, reasonPhrase: "OK"), now: now)
                answers += done.waiters.count
                for other in done.others {
                    move(other, from: nextDue[other], to: ms + 10_000)
                    nextDue[other] = ms + 10_000
                    answers += 1
                }
                outUntil = nil
            }
            for b in due.removeValue(forKey: ms) ?? [] {
                move(b, from: nil, to: ms + 10_000)
                nextDue[b] = ms + 10_000
                nextID += 1
                switch table.request(binding: b, probeID: nextID, target: Self.siteA, interval: Self.interval, now: now)
                {
                case .send:
                    sent.append(ms)
                    outUntil = ms + 50
                case .wait: break
                case .answer: answers += 1
                }
            }
        }
        #expect(sent.count >= 6 && sent.count <= 12, "60 s at 10 s: sent at \(sent)")
        #expect(answers >= 5 * count, "every binding heard from its site every interval: \(answers)")
    }
}
