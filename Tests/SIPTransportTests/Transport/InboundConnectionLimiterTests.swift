import SIPTransport
import Testing

/// The admission rule for connections others open to our listeners, without sockets.
@Suite struct InboundConnectionLimiterTests {
    /// Asks for `count` connections from `address`; the answers in order (nil: accepted).
    static func admit(
        _ count: Int, from address: String, privileged: Bool = false, into limiter: inout InboundConnectionLimiter
    ) -> [InboundConnectionLimiter.Refusal?] {
        (0..<count).map { _ in limiter.admit(address, privileged: privileged) }
    }

    @Test func aStrangerGetsAtMostItsPerAddressShare() {
        var limiter = InboundConnectionLimiter(perAddress: 16, total: 1_024, reserved: 64)
        let answers = Self.admit(20, from: "127.0.2.7", into: &limiter)
        #expect(answers.filter { $0 == nil }.count == 16)
        #expect(answers.suffix(4) == [.addressFull, .addressFull, .addressFull, .addressFull])
        // Another stranger is not held back by the first one.
        #expect(Self.admit(1, from: "127.0.2.8", into: &limiter) == [nil])
        #expect(limiter.count == 17)
        let acceptedAgain = limiter.accept("127.0.2.7", privileged: false)
        #expect(!acceptedAgain)
    }

    @Test func aClosedConnectionFreesItsSlot() {
        var limiter = InboundConnectionLimiter(perAddress: 2, total: 10, reserved: 0)
        #expect(Self.admit(3, from: "127.0.2.7", into: &limiter) == [nil, nil, .addressFull])
        limiter.closed("127.0.2.7")
        #expect(limiter.count(from: "127.0.2.7") == 1)
        #expect(Self.admit(1, from: "127.0.2.7", into: &limiter) == [nil])
        // A close for an address never counted changes nothing.
        limiter.closed("127.0.99.1")
        #expect(limiter.count == 2)
    }

    @Test func aPrivilegedAddressHasNoPerAddressCap() {
        var limiter = InboundConnectionLimiter(perAddress: 16, total: 1_024, reserved: 64)
        let answers = Self.admit(40, from: "127.0.10.1", privileged: true, into: &limiter)
        #expect(answers.allSatisfy { $0 == nil })
        #expect(limiter.count(from: "127.0.10.1") == 40)
    }

    @Test func strangersFromManyAddressesLeaveTheReserveToTheSites() {
        var limiter = InboundConnectionLimiter(perAddress: 16, total: 100, reserved: 10)
        var strangers = 0
        for host in 1...20 {
            strangers += Self.admit(16, from: "127.0.2.\(host)", into: &limiter).filter { $0 == nil }.count
        }
        #expect(strangers == 90)
        #expect(Self.admit(1, from: "127.0.2.99", into: &limiter) == [.unreservedFull])
        let sites = Self.admit(11, from: "127.0.10.1", privileged: true, into: &limiter)
        #expect(sites.filter { $0 == nil }.count == 10)
        #expect(sites.last == .totalFull)
        // One stranger leaving does not open the reserve to strangers; a site may take the place.
        limiter.closed("127.0.2.1")
        #expect(Self.admit(1, from: "127.0.2.99", into: &limiter) == [.unreservedFull])
        #expect(Self.admit(1, from: "127.0.10.2", privileged: true, into: &limiter) == [nil])
    }

    @Test func oddSettingsAreClamped() {
        var limiter = InboundConnectionLimiter(perAddress: -1, total: 5, reserved: 50)
        #expect(limiter.perAddress == 0)
        #expect(limiter.reserved == 5)
        #expect(Self.admit(1, from: "127.0.2.1", into: &limiter) == [.unreservedFull])
        #expect(Self.admit(1, from: "127.0.10.1", privileged: true, into: &limiter) == [nil])
    }
}
