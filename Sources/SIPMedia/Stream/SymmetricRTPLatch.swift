import NIOCore

/// Which datagrams a stream takes, and where our RTP goes: media follows signalling.
///
/// The rule (docs/MEDIA.md, "Media source"):
/// - The target starts at the address the peer's SDP named (`c=` address, `m=` port; RFC 3264 §5.1
///   and §6: that is where the peer said it receives, and so where its media comes from).
/// - A packet from the SDP's IP address is accepted. From the target's port it confirms the target;
///   from another port of that same IP address it takes the target over after ``relatchAfter``
///   packets in a row from it. That is RFC 4961 symmetric RTP kept for one case: a peer behind NAT,
///   or a site's media relay that rewrites ports, sending from its announced address but another
///   port. One stray datagram cannot steer the audio; a relay that really moved is followed in 60 ms.
/// - A packet from any other IP address is rejected: the caller drops and counts it, and it leaves
///   the latch exactly as it was (it neither moves the target nor breaks a run of packets that is
///   moving it), however many arrive. Without an SDP address (`c=0.0.0.0`, port 0, a host name)
///   nothing is accepted.
///
/// A peer whose SDP names a private address it cannot be reached at (a NAT the site did not fix up)
/// therefore gets no audio: media from an address nobody signalled is indistinguishable from an
/// injection by anyone who can guess the port (RTP bleed).
package struct SymmetricRTPLatch: Hashable, Sendable {
    /// Consecutive packets from another port of the SDP's IP address before we send there.
    package static let relatchAfter = 3

    /// What became of one packet.
    package enum Verdict: Hashable, Sendable {
        /// From the SDP's IP address: use it. `moved` when the target changed to its source.
        case accepted(moved: Bool)
        /// From a source the SDP does not allow: drop it and count it.
        case rejected
    }

    /// The address the SDP named; nil when it gave no usable one.
    package private(set) var signalled: SocketAddress?
    /// Where to send now; nil when the SDP gave no usable address.
    package private(set) var target: SocketAddress?
    /// Whether a packet has been accepted from the target (RTCP then stops guessing its port).
    package private(set) var isLatched = false
    private var candidate: SocketAddress?
    private var candidateCount = 0

    package init(signalled: SocketAddress?) {
        self.signalled = signalled
        target = signalled
    }

    /// Whether a packet from `source` may be used at all: its IP address is the SDP's. Does not change
    /// the latch (the caller still calls ``observe(_:)`` once the packet proved valid).
    package func admits(_ source: SocketAddress) -> Bool {
        guard let signalled else { return false }
        return Self.sameHost(source, signalled)
    }

    /// A valid packet arrived from `source`.
    package mutating func observe(_ source: SocketAddress) -> Verdict {
        guard admits(source) else { return .rejected }
        if source == target {
            isLatched = true
            candidate = nil
            candidateCount = 0
            return .accepted(moved: false)
        }
        if source == candidate {
            candidateCount += 1
        } else {
            candidate = source
            candidateCount = 1
        }
        guard candidateCount >= Self.relatchAfter else { return .accepted(moved: false) }
        target = source
        isLatched = true
        candidate = nil
        candidateCount = 0
        return .accepted(moved: true)
    }

    /// New SDP from the peer (a re-INVITE): start again from what it says.
    package mutating func reset(signalled: SocketAddress?) {
        self = SymmetricRTPLatch(signalled: signalled)
    }

    /// Sends to `address` before anything arrived (RTCP guessed from where RTP came from), keeping the
    /// SDP's address as the rule; ignored unless `address` is on the SDP's IP address.
    package mutating func guess(_ address: SocketAddress) {
        guard !isLatched, admits(address) else { return }
        target = address
        candidate = nil
        candidateCount = 0
    }

    /// Same IP address, ports aside; an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, what a dual-stack
    /// socket reports) equals its IPv4 form.
    static func sameHost(_ a: SocketAddress, _ b: SocketAddress) -> Bool {
        guard let x = a.ipAddress.map(unmapped), let y = b.ipAddress.map(unmapped) else { return false }
        return x == y
    }

    private static func unmapped(_ text: String) -> String {
        let lower = text.lowercased()
        return lower.hasPrefix("::ffff:") && lower.contains(".") ? String(lower.dropFirst(7)) : lower
    }
}
