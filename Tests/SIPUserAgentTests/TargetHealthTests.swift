import NIOCore
import SIPTransport
import Testing

@testable import SIPUserAgent

/// Health per server target on a clock moved by hand: down on failure or 503, up on an answer, a
/// 503's Retry-After kept whatever is answered meanwhile, and the order a dial tries a site's targets.
@Suite("TargetHealth (health per SRV target)")
struct TargetHealthTests {
    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
    static func target(_ port: Int) -> SIPTransportTarget {
        SIPTransportTarget(transport: .udp, address: try! SocketAddress(ipAddress: "127.0.0.1", port: port))
    }
    static let t0 = target(5060), t1 = target(5062), t2 = target(5064)
    static func at(_ seconds: Double) -> NIODeadline { start + .nanoseconds(Int64(seconds * 1e9)) }

    @Test("A dial starts at the registration's target, then the others in RFC 3263 order")
    func startsAtTheRegistrationsTarget() {
        let health = TargetHealth()
        #expect(
            health.dialOrder([Self.t0, Self.t1, Self.t2], current: 1, now: Self.at(0)) == [Self.t1, Self.t0, Self.t2])
        #expect(
            health.dialOrder([Self.t0, Self.t1, Self.t2], current: 0, now: Self.at(0)) == [Self.t0, Self.t1, Self.t2])
    }

    @Test("A target that failed is skipped until it answers again; all down leaves the registration's")
    func downUntilItAnswers() {
        var health = TargetHealth()
        health.markDown(Self.t0, now: Self.at(0))
        #expect(health.dialOrder([Self.t0, Self.t1, Self.t2], current: 1, now: Self.at(1)) == [Self.t1, Self.t2])
        // Probed again and still silent: the mark is renewed, so it outlasts the 30 s lapse.
        health.markDown(Self.t0, now: Self.at(25))
        #expect(health.isDown(Self.t0, now: Self.at(40)))
        health.markUp(Self.t0, now: Self.at(41))
        #expect(
            health.dialOrder([Self.t0, Self.t1, Self.t2], current: 1, now: Self.at(41)) == [Self.t1, Self.t0, Self.t2])
        health.markDown(Self.t0, now: Self.at(42))
        #expect(
            health.upFirst([Self.t0, Self.t1, Self.t2], now: Self.at(43)) == [Self.t1, Self.t2, Self.t0],
            "a new resolution starts at a target that is up")
        for t in [Self.t0, Self.t1, Self.t2] { health.markDown(t, now: Self.at(50)) }
        #expect(health.dialOrder([Self.t0, Self.t1, Self.t2], current: 2, now: Self.at(51)) == [Self.t2])
    }

    @Test("A 503's Retry-After holds the target down even if it answers meanwhile, and ends on time")
    func retryAfterIsHonoured() {
        var health = TargetHealth()
        health.markDown(Self.t0, retryAfter: .seconds(120), now: Self.at(0))
        health.markUp(Self.t0, now: Self.at(10))
        #expect(health.isDown(Self.t0, now: Self.at(100)), "still within Retry-After 120 s")
        #expect(!health.isDown(Self.t0, now: Self.at(121)))
        health.markUp(Self.t0, now: Self.at(121))
        #expect(!health.isDown(Self.t0, now: Self.at(122)))
    }

    @Test("Without a new mark, a failure lapses after 30 s (no probes to renew it)")
    func lapses() {
        var health = TargetHealth()
        health.markDown(Self.t1, now: Self.at(0))
        #expect(health.isDown(Self.t1, now: Self.at(29)))
        #expect(!health.isDown(Self.t1, now: Self.at(31)))
    }
}
