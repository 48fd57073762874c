import Testing

@testable import SIPUserAgent

/// The armed timers of a binding as bits: the set operations the registration machine relies on.
@Suite struct RegistrationTimerSetTests {
    @Test func insertContainsAndRemoveEachTimerOnItsOwn() {
        var set = RegistrationTimerSet()
        for timer in RegistrationTimer.allCases { #expect(!set.contains(timer)) }
        set.insert(.refresh)
        set.insert(.probe)
        set.insert(.probe)
        #expect(set.contains(.refresh) && set.contains(.probe))
        #expect(!set.contains(.retry) && !set.contains(.unregisterGuard))
        #expect(set.remove(.probe) == .probe)
        #expect(set.remove(.probe) == nil, "a timer removed once is gone")
        #expect(set.contains(.refresh) && !set.contains(.probe))
        for timer in RegistrationTimer.allCases { set.insert(timer) }
        for timer in RegistrationTimer.allCases { #expect(set.remove(timer) == timer) }
        #expect(set == RegistrationTimerSet())
    }
}
