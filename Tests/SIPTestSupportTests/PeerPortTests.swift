import Foundation
import SIPTestSupport
import Testing

/// A test peer that goes down and comes back keeps its port: it listens below the kernel's ephemeral
/// range, where no `bind(0)` elsewhere in the process can take the port while it is down.
@Suite("Test peer ports")
struct PeerPortTests {
    @Test func aPeerListensBelowTheEphemeralRangeAndComesBackOnItsPort() async throws {
        let range = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let low = try #require(range.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) })
        let peer = try await SIPTestPeer.start()
        let port = try #require(try peer.address(.udp).port)
        #expect(port < low, "port \(port), ephemeral ports from \(low)")
        try await peer.goDown()
        try await peer.comeBack()
        #expect(try peer.address(.udp).port == port)
        try await peer.stop()
    }
}
