import NIOCore

/// The wait before a re-INVITE that got 491 (Request Pending) is sent again, RFC 3261 §14.1:
/// "If the UAC is the owner of the Call-ID of the dialog ID (meaning it generated the value), T
/// has a randomly chosen value between 2.1 and 4 seconds in units of 10 ms. If the UAC is not
/// the owner of the Call-ID of the dialog ID, T has a randomly chosen value of between 0 and 2
/// seconds in units of 10 ms." The two ranges do not overlap, so two UAs that collide once do
/// not collide again.
package enum GlareBackoff {
    package static func wait(ownsCallID: Bool, using generator: inout some RandomNumberGenerator) -> TimeAmount {
        // Both ends inclusive: 2.10 … 4.00 s is 191 steps, 0 … 2.00 s is 201.
        let steps = ownsCallID ? 210 + Int64(generator.next() % 191) : Int64(generator.next() % 201)
        return .milliseconds(steps * 10)
    }
}
