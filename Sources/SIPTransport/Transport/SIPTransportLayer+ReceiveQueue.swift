import NIOCore

#if canImport(Glibc)
import Glibc
#endif

extension SIPTransportLayer {
    /// The bytes waiting unread in the UDP listeners' kernel receive queues (call on ``eventLoop``):
    /// datagrams that came and that this loop has not read yet. A phone that cannot read its socket as
    /// fast as datagrams arrive shows it here first, while its loop still runs every tick on time
    /// (NIO reads a bounded number of datagrams per tick). Linux's `SO_MEMINFO` (Linux 4.6) fills as
    /// much of the buffer as is given with its `u32` values, the first being the receive queue's
    /// allocated bytes (`SK_MEMINFO_RMEM_ALLOC`, kernel overhead per datagram included); NIO reads a
    /// socket option into an `Int`, so the first four bytes of it are that value and the next four the
    /// receive buffer's size. Nil where the system has no such option or the socket does not answer.
    package func unreadDatagramBytes() -> Int? {
        eventLoop.assertInEventLoop()
        #if os(Linux)
        let memoryInformation = ChannelOptions.Types.SocketOption(
            level: .socket, name: NIOBSDSocket.Option(rawValue: SO_MEMINFO))
        var total = 0
        for channel in udpChannels {
            guard let values = try? channel.syncOptions?.getOption(memoryInformation) else { return nil }
            total += Int(withUnsafeBytes(of: values) { $0.loadUnaligned(as: UInt32.self) })
        }
        return total
        #else
        return nil
        #endif
    }
}
