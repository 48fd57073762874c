import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// `local_address` binds every socket: outgoing TCP/TLS connections leave from the listeners' host.
extension SIPTransportConfiguration {
    /// The local address (port 0: any) an outgoing TCP/TLS connection to `remote` is bound to: the host of
    /// the first listener of `remote`'s address family when it is a specific address, preferring a
    /// stream listener; nil lets the system choose. A loopback host is skipped toward an address off the
    /// host: that source could never reach it.
    func outboundSource(toward remote: SocketAddress) -> SocketAddress? {
        let streamFirst = listeners.filter { $0.transport != .udp } + listeners.filter { $0.transport == .udp }
        for listener in streamFirst {
            guard let local = try? SocketAddress(ipAddress: listener.host, port: 0),
                local.protocol == remote.protocol, !local.isWildcard
            else { continue }
            if local.isLoopback && !remote.isLoopback { continue }
            return local
        }
        return nil
    }
}

extension SocketAddress {
    /// `0.0.0.0` or `::`.
    fileprivate var isWildcard: Bool {
        switch self {
        case .v4(let a): a.address.sin_addr.s_addr == 0
        case .v6(let a): withUnsafeBytes(of: a.address.sin6_addr) { $0.allSatisfy { $0 == 0 } }
        default: false
        }
    }

    /// 127.0.0.0/8 or ::1.
    fileprivate var isLoopback: Bool {
        switch self {
        case .v4(let a): UInt32(bigEndian: a.address.sin_addr.s_addr) >> 24 == 127
        case .v6(let a):
            withUnsafeBytes(of: a.address.sin6_addr) { $0.dropLast().allSatisfy { $0 == 0 } && $0.last == 1 }
        default: false
        }
    }
}

extension ClientBootstrap {
    /// Connects from `source` (its port is ignored: the system picks one); nil leaves the choice to the system.
    func bound(toSource source: SocketAddress?) -> ClientBootstrap {
        guard let source else { return self }
        var bootstrap = bind(to: source)
        #if os(Linux)
        // Bind the address only: the port is picked at connect(2) per destination, as without the bind,
        // so thousands of flows to a few sites do not use up the ephemeral ports.
        if case .v4 = source {
            bootstrap = bootstrap.channelOption(
                ChannelOptions.Types.SocketOption(level: .ip, name: .init(rawValue: IP_BIND_ADDRESS_NO_PORT)), value: 1)
        }
        #endif
        return bootstrap
    }
}
