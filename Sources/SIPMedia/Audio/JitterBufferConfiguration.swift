import NIOCore

/// How much delay the jitter buffer may add, and how fast it adapts.
package struct JitterBufferConfiguration: Hashable, Sendable {
    /// The audio in one packet and the playout clock's tick: RFC 3551's default ptime. Default: 20 ms.
    package var frameDuration: TimeAmount = .milliseconds(20)
    /// The delay before the first frame is played, rounded down to whole frames. Default: 60 ms.
    package var initialDelay: TimeAmount = .milliseconds(60)
    /// The least the delay shrinks to. Default: 20 ms.
    package var minimumDelay: TimeAmount = .milliseconds(20)
    /// The most the delay grows to; beyond it late packets are dropped rather than waited for. Default: 200 ms.
    package var maximumDelay: TimeAmount = .milliseconds(200)
    /// How long without a late packet before the delay shrinks by one frame. Default: 5 s.
    package var shrinkAfter: TimeAmount = .seconds(5)
    /// Packets held at most, so a flood of packets from the network cannot grow memory; packets further
    /// ahead than this push the playout point forward. Default: 50 (one second of 20 ms frames).
    package var capacity: Int = 50

    package init() {}
}
