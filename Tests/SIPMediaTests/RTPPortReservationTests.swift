import Testing

@testable import SIPMedia

#if canImport(Glibc)
import Glibc
#endif

/// Ports on a loopback address of this suite's own (127.0.86.1), in ranges no other test uses.
@Suite("RTP port reservation")
struct RTPPortReservationTests {
    static let address = "127.0.86.1"

    /// Whether a UDP port on the address can be bound right now (binding it for a moment).
    func isFree(_ port: Int) -> Bool {
        guard let fd = try? occupy(port) else { return false }
        close(fd)
        return true
    }

    /// Binds one UDP port the way another program would.
    func occupy(_ port: Int) throws -> Int32 {
        struct BindFailed: Error { let errno: Int32 }
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, Self.address, &sin.sin_addr)
        let result = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw BindFailed(errno: code)
        }
        return fd
    }

    @Test func evenRTPAndTheNextPortForRTCPWithinTheRange() throws {
        let reservation = try RTPPortReservation.reserve(address: Self.address, in: 46000...46009)
        #expect(reservation.rtpPort % 2 == 0 && (46000...46008).contains(reservation.rtpPort))
        #expect(reservation.rtcpPort == reservation.rtpPort + 1)
        #expect(reservation.isHeld && reservation.address == Self.address)
        #expect(!isFree(reservation.rtpPort), "the port is really bound")
        reservation.release()
        #expect(!reservation.isHeld)
        #expect(isFree(reservation.rtpPort))
    }

    @Test func exhaustionIsAnErrorAndReleasedPortsAreReusable() throws {
        let range = 46100...46103
        let first = try RTPPortReservation.reserve(address: Self.address, in: range)
        let second = try RTPPortReservation.reserve(address: Self.address, in: range)
        #expect(Set([first.rtpPort, second.rtpPort]) == [46100, 46102])
        #expect(throws: RTPPortReservationError(.exhausted, "")) {
            try RTPPortReservation.reserve(address: Self.address, in: range)
        }
        first.release()
        let again = try RTPPortReservation.reserve(address: Self.address, in: range)
        #expect(again.rtpPort == first.rtpPort)
        second.release()
        again.release()
    }

    @Test func aPairWithItsRTCPPortTakenIsSkipped() throws {
        let fd = try #require(try? occupy(46201))
        defer { close(fd) }
        let reservation = try RTPPortReservation.reserve(address: Self.address, in: 46200...46203)
        #expect(reservation.rtpPort == 46202)
        #expect(isFree(46200), "the RTP socket of the skipped pair was closed again")
        #expect(throws: RTPPortReservationError(.exhausted, "")) {
            try RTPPortReservation.reserve(address: Self.address, in: 46200...46203)
        }
    }

    @Test func oddBoundsAndRangesTooSmall() throws {
        let reservation = try RTPPortReservation.reserve(address: Self.address, in: 46301...46304)
        #expect(reservation.rtpPort == 46302)
        #expect(throws: RTPPortReservationError(.invalidRange, "")) {
            try RTPPortReservation.reserve(address: Self.address, in: 46401...46402)
        }
        #expect(throws: RTPPortReservationError(.invalidRange, "")) {
            try RTPPortReservation.reserve(address: Self.address, in: 46400...46400)
        }
        #expect(throws: RTPPortReservationError(.invalidRange, "")) {
            try RTPPortReservation.reserve(address: Self.address, in: 65535...70000)
        }
    }

    @Test func droppingTheLastReferenceReleases() throws {
        do {
            let reservation = try RTPPortReservation.reserve(address: Self.address, in: 46500...46501)
            #expect(reservation.rtpPort == 46500)
        }
        let again = try RTPPortReservation.reserve(address: Self.address, in: 46500...46501)
        #expect(again.rtpPort == 46500)
    }

    @Test func socketsCanBeHandedOver() throws {
        let reservation = try RTPPortReservation.reserve(address: Self.address, in: 46600...46601)
        let sockets = try #require(reservation.takeSockets())
        #expect(!reservation.isHeld && reservation.takeSockets() == nil)
        reservation.release()
        #expect(!isFree(46600), "releasing after a hand-over leaves the new owner's sockets alone")
        close(sockets.rtp)
        close(sockets.rtcp)
        #expect(isFree(46600))
    }

    @Test func withoutARangeTheKernelChooses() throws {
        let reservations = try (0..<8).map { _ in try RTPPortReservation.reserve(address: Self.address) }
        for r in reservations {
            #expect(r.rtpPort % 2 == 0 && r.rtcpPort == r.rtpPort + 1 && r.rtpPort > 0)
        }
        #expect(Set(reservations.map(\.rtpPort)).count == 8)
    }

    @Test func ipv6Loopback() throws {
        let reservation = try RTPPortReservation.reserve(address: "::1", in: 46700...46711)
        #expect(reservation.rtpPort % 2 == 0 && reservation.rtcpPort == reservation.rtpPort + 1)
    }

    @Test func badAddresses() {
        #expect(throws: RTPPortReservationError(.invalidAddress, "")) {
            try RTPPortReservation.reserve(address: "localhost")
        }
        // Not an address of this host: bind fails with EADDRNOTAVAIL, nothing is sent anywhere.
        do {
            _ = try RTPPortReservation.reserve(address: "192.0.2.1", in: 46800...46803)
            Issue.record("bound a foreign address")
        } catch {
            #expect(error.code == .system && error.systemErrno == EADDRNOTAVAIL)
        }
    }
}
