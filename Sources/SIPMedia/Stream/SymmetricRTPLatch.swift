import NIOCore

/// Where our RTP goes: the address the peer's SDP named, until its packets show where it really is.
///
/// Symmetric RTP (RFC 4961): a peer behind NAT, or a media relay that rewrites ports, sends from an
/// address other than the one in its `c=`/`m=` lines; answering to the source of its packets is what
/// reaches it. We latch onto the source of the first valid packet. After that, a new source takes over
/// only after ``relatchAfter`` valid packets in a row from it, so one stray or spoofed datagram cannot
/// steer the call's audio away, while a relay that really moved (a re-INVITE to another site) is
/// followed within 60 ms.
package struct SymmetricRTPLatch: Hashable, Sendable {
    /// Consecutive packets from a new source before we send there.
    package static let relatchAfter = 3

    /// Where to send now; nil when the SDP gave no usable address (`c=0.0.0.0`) and nothing arrived yet.
    package private(set) var target: SocketAddress?
    package private(set) var isLatched = false
    private var candidate: SocketAddress?
    private var candidateCount = 0

    package init(signalled: SocketAddress?) {
        target = signalled
    }

    /// A valid packet arrived from `source`. Returns true when the target changed.
    package mutating func observe(_ source: SocketAddress) -> Bool {
        if source == target {
            isLatched = true
            candidate = nil
            candidateCount = 0
            return false
        }
        if !isLatched {
            target = source
            isLatched = true
            return true
        }
        if source == candidate {
            candidateCount += 1
        } else {
            candidate = source
            candidateCount = 1
        }
        guard candidateCount >= Self.relatchAfter else { return false }
        target = source
        candidate = nil
        candidateCount = 0
        return true
    }

    /// New SDP from the peer (a re-INVITE): start again from what it says.
    package mutating func reset(signalled: SocketAddress?) {
        self = SymmetricRTPLatch(signalled: signalled)
    }
}
