import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An RTP port (even, RFC 3550 §11) and the RTCP port after it, held as bound UDP sockets from the
/// moment the SDP offers them until the media layer takes them or the call releases them.
///
/// Plain sockets rather than NIO channels, because a reservation is made while building an SDP:
/// synchronously, with no event loop to wait on, two descriptors and no pipelines. The media layer
/// adopts the very descriptors with NIO's `DatagramBootstrap.withBoundSocket(_:)` (``takeSockets()``),
/// so the ports are never free between the offer and the first RTP packet and nothing else can take them.
///
/// Released on ``release()`` or when the last reference goes away; a failed reservation closes
/// everything it opened. The search is bounded: each even port of the range at most once (from a
/// random start, so concurrent calls spread out), or 64 tries at kernel-chosen ports without a range.
package final class RTPPortReservation: Sendable {
    /// The local address the sockets are bound to.
    package let address: String
    package let rtpPort: Int
    package let rtcpPort: Int
    private let sockets: Mutex<(rtp: Int32, rtcp: Int32)?>

    private init(address: String, rtpPort: Int, rtcpPort: Int, sockets: (Int32, Int32)) {
        self.address = address
        self.rtpPort = rtpPort
        self.rtcpPort = rtcpPort
        self.sockets = Mutex(sockets)
    }

    deinit { release() }

    /// Binds an even port and the next one on `address`.
    /// - Parameters:
    ///   - address: numeric local IPv4 or IPv6 address (the one the SDP's `c=` names).
    ///   - range: `rtp_port_min...rtp_port_max`; nil lets the kernel choose among its ephemeral ports.
    package static func reserve(
        address: String, in range: ClosedRange<Int>? = nil
    ) throws(RTPPortReservationError) -> RTPPortReservation {
        guard let local = LocalAddress(address) else {
            throw RTPPortReservationError(.invalidAddress, "\(address) is not a numeric IP address")
        }
        if let range { return try reserve(local, address, in: range) }
        return try reserveEphemeral(local, address)
    }

    /// Whether the sockets are still held here.
    package var isHeld: Bool { sockets.withLock { $0 != nil } }

    /// Closes both sockets; the ports are free again. Idempotent.
    package func release() {
        guard let taken = takeSockets() else { return }
        close(taken.rtp)
        close(taken.rtcp)
    }

    /// Hands the bound descriptors over (for `DatagramBootstrap.withBoundSocket`); from then on the
    /// caller closes them. Nil when already taken or released.
    package func takeSockets() -> (rtp: Int32, rtcp: Int32)? {
        sockets.withLock { held in
            defer { held = nil }
            return held
        }
    }

    // MARK: Search

    private static func reserve(
        _ local: LocalAddress, _ address: String, in range: ClosedRange<Int>
    ) throws(RTPPortReservationError) -> RTPPortReservation {
        let lower = max(range.lowerBound, 1)
        let firstEven = lower + (lower % 2)
        let upper = min(range.upperBound, 65535)
        let pairs = firstEven + 1 <= upper ? (upper - firstEven - 1) / 2 + 1 : 0
        guard pairs > 0 else {
            throw RTPPortReservationError(.invalidRange, "no even port with its odd neighbour in \(range)")
        }
        let start = Int.random(in: 0..<pairs)
        for step in 0..<pairs {
            let rtp = firstEven + 2 * ((start + step) % pairs)
            guard let rtpSocket = try bindSocket(local, port: rtp) else { continue }
            let rtcpSocket: Int32?
            do { rtcpSocket = try bindSocket(local, port: rtp + 1) } catch {
                close(rtpSocket)
                throw error
            }
            guard let rtcpSocket else {
                close(rtpSocket)
                continue
            }
            return RTPPortReservation(
                address: address, rtpPort: rtp, rtcpPort: rtp + 1, sockets: (rtpSocket, rtcpSocket))
        }
        throw RTPPortReservationError(.exhausted, "all \(pairs) port pairs in \(range) on \(address) are in use")
    }

    private static let ephemeralAttempts = 64

    private static func reserveEphemeral(
        _ local: LocalAddress, _ address: String
    ) throws(RTPPortReservationError) -> RTPPortReservation {
        for _ in 0..<ephemeralAttempts {
            guard let first = try bindSocket(local, port: 0) else { continue }
            let port = boundPort(first)
            let rtp = port - port % 2
            guard rtp > 0, rtp + 1 <= 65535 else {
                close(first)
                continue
            }
            let neighbour: Int32?
            do { neighbour = try bindSocket(local, port: port == rtp ? rtp + 1 : rtp) } catch {
                close(first)
                throw error
            }
            guard let neighbour else {
                close(first)
                continue
            }
            let (rtpSocket, rtcpSocket) = port == rtp ? (first, neighbour) : (neighbour, first)
            return RTPPortReservation(
                address: address, rtpPort: rtp, rtcpPort: rtp + 1, sockets: (rtpSocket, rtcpSocket))
        }
        throw RTPPortReservationError(
            .exhausted, "no free even/odd pair among \(ephemeralAttempts) ephemeral ports on \(address)")
    }

    // MARK: Sockets

    /// A UDP socket bound to `port` (0: any), or nil when the port is taken (or privileged).
    private static func bindSocket(_ local: LocalAddress, port: Int) throws(RTPPortReservationError) -> Int32? {
        let fd = socket(local.family, socketType, 0)
        guard fd >= 0 else {
            let code = errno
            throw RTPPortReservationError(.system, "socket() failed: errno \(code)", errno: code)
        }
        let result = local.withSocketAddress(port: port) { bind(fd, $0, $1) }
        if result == 0 { return fd }
        let code = errno
        close(fd)
        if code == EADDRINUSE || code == EACCES { return nil }
        throw RTPPortReservationError(.system, "bind to port \(port) failed: errno \(code)", errno: code)
    }

    private static let socketType = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)

    private static func boundPort(_ fd: Int32) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { return 0 }
        return withUnsafePointer(to: &storage) { pointer in
            switch Int32(pointer.pointee.ss_family) {
            case AF_INET:
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    Int(UInt16(bigEndian: $0.pointee.sin_port))
                }
            case AF_INET6:
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    Int(UInt16(bigEndian: $0.pointee.sin6_port))
                }
            default: 0
            }
        }
    }
}

/// A numeric local address in the form `bind(2)` takes.
private enum LocalAddress {
    case v4(in_addr)
    case v6(in6_addr)

    init?(_ text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self = .v4(v4)
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            self = .v6(v6)
            return
        }
        return nil
    }

    var family: Int32 {
        switch self {
        case .v4: AF_INET
        case .v6: AF_INET6
        }
    }

    func withSocketAddress<R>(port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        switch self {
        case .v4(let address):
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = UInt16(port).bigEndian
            sin.sin_addr = address
            return withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .v6(let address):
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = UInt16(port).bigEndian
            sin6.sin6_addr = address
            return withUnsafePointer(to: &sin6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }
}
