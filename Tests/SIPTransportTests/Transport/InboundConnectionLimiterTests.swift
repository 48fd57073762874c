import SIPTransport
import Testing

/// The admission rule for connections others open to our listeners, without sockets.
@Suite struct InboundConnectionLimiterTests {
    @Test func aStrangerGetsAtMostItsPerAddressShare() {
        var limiter = InboundConnectionLimiter(perAddress: 16, total: 1_024, reserved: 64)
        let accepted = (0..<20).filter { _ in limiter.accept("192.0.2.7", privileged: false) }.count
        #expect(accepted == 16)
        let decision1 = limiter.admit("192.0.2.7", privileged: false)
        #expect(decision1 == .addressFull)
        // Another stranger is not held back by the first one.
        let accepted5 = limiter.accept("192.0.2.8", privileged: false)
        #expect(accepted5)
        #expect(limiter.count == 17)
    }

    @Test func aClosedConnectionFreesItsSlot() {
        var limiter = InboundConnectionLimiter(perAddress: 2, total: 10, reserved: 0)
        let accepted6 = limiter.accept("192.0.2.7", privileged: false)
        #expect(accepted6)
        let accepted7 = limiter.accept("192.0.2.7", privileged: false)
        #expect(accepted7)
        let accepted8 = limiter.accept("192.0.2.7", privileged: false)
        #expect(!accepted8)
        limiter.closed("192.0.2.7")
        #expect(limiter.count(from: "192.0.2.7") == 1)
        let accepted9 = limiter.accept("192.0.2.7", privileged: false)
        #expect(accepted9)
        // A close for an address never counted changes nothing.
        limiter.closed("198.51.100.1")
        #expect(limiter.count == 2)
    }

    @Test func aPrivilegedAddressHasNoPerAddressCap() {
        var limiter = InboundConnectionLimiter(perAddress: 16, total: 1_024, reserved: 64)
        let accepted = (0..<40).filter { _ in limiter.accept("10.0.0.1", privileged: true) }.count
        #expect(accepted == 40)
    }

    @Test func strangersFromManyAddressesLeaveTheReserveToTheSites() {
        var limiter = InboundConnectionLimiter(perAddress: 16, total: 100, reserved: 10)
        var strangers = 0
        for host in 1...20 {
            for _ in 0..<16 where limiter.accept("192.0.2.\(host)", privileged: false) { strangers += 1 }
        }
        #expect(strangers == 90)
        let decision2 = limiter.admit("192.0.2.99", privileged: false)
        #expect(decision2 == .unreservedFull)
        let sites = (0..<20).filter { _ in limiter.accept("10.0.0.1", privileged: true) }.count
        #expect(sites == 10)
        let decision3 = limiter.admit("10.0.0.1", privileged: true)
        #expect(decision3 == .totalFull)
        // One stranger leaving does not open the reserve to strangers.
        limiter.closed("192.0.2.1")
        let decision4 = limiter.admit("192.0.2.99", privileged: false)
        #expect(decision4 == .unreservedFull)
        let accepted10 = limiter.accept("10.0.0.2", privileged: true)
        #expect(accepted10)
    }

    @Test func oddSettingsAreClamped() {
        let limiter = InboundConnectionLimiter(perAddress: -1, total: 5, reserved: 50)
        #expect(limiter.perAddress == 0)
        #expect(limiter.reserved == 5)
        var copy = limiter
        let accepted11 = copy.accept("192.0.2.1", privileged: false)
        #expect(!accepted11)
        let accepted12 = copy.accept("10.0.0.1", privileged: true)
        #expect(accepted12)
    }
}
