#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A loopback TCP port that refuses every connection for as long as this value lives: a socket is
/// bound to it and never listens, so the kernel answers a SYN with a reset, and no other socket can
/// take the port meanwhile (the socket does not set `SO_REUSEADDR`). Stopping a listener to "learn a
/// closed port" is not the same: the kernel hands the freed port to the next test that binds port 0,
/// which then answers in the refusal's place.
public final class RefusingTCPPort: Sendable {
    public let host: String
    public let port: Int
    private let descriptor: Int32

    public init(host: String = "127.0.0.1") throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RefusingTCPPortError(call: "socket", errno: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            close(fd)
            throw RefusingTCPPortError(call: "inet_pton(\(host))", errno: EINVAL)
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw RefusingTCPPortError(call: "bind", errno: code)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            let code = errno
            close(fd)
            throw RefusingTCPPortError(call: "getsockname", errno: code)
        }
        self.host = host
        self.port = Int(UInt16(bigEndian: address.sin_port))
        self.descriptor = fd
    }

    deinit { close(descriptor) }
}

public struct RefusingTCPPortError: Error, CustomStringConvertible {
    public let call: String
    public let errno: Int32
    public var description: String { "\(call) failed: \(String(cString: strerror(errno)))" }
}
