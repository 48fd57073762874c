import CAres
import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A ``DNSLookup`` answered by c-ares (Debian 12: 1.18.1), which does the sending, retrying and
/// record parsing. The record TTLs its 1.18 SRV and NAPTR parsers drop are read from the same
/// answer by glibc's libresolv (see `Sources/CAres/shim.h`).
///
/// One dedicated thread owns the c-ares channel (c-ares channels are not thread-safe): it polls the
/// channel's sockets and an eventfd, starts the queries queued by callers (the eventfd wakes it),
/// and resumes each caller when its answer, error or timeout comes. No caller's thread and no event
/// loop ever waits on the network.
///
/// Call ``shutdown()`` or ``syncShutdown()`` when done: the thread keeps the resolver alive until
/// then. Queries still waiting end with `DNSError.Code.shutdown`.
package final class CAresResolver: DNSLookup, @unchecked Sendable {
    // @unchecked: `channel` is touched only by the resolver thread after `init` hands it over (the
    // thread's creation orders the two); everything else shared is inside `state`'s Mutex.

    private struct Submission {
        var name: String
        var type: Int32
        var context: QueryContext
    }

    private struct State {
        var submissions: [Submission] = []
        var pending = 0
        var stopping = false
        var exited = false
        var joinClaimed = false
        var exitWaiters: [CheckedContinuation<Void, Never>] = []
    }

    package let configuration: Configuration
    private let channel: ares_channel
    private let wakeFD: Int32
    private let state = Mutex(State())
    private var thread = pthread_t()

    /// Starts the resolver thread.
    /// - Throws: `DNSError` `.configuration` when c-ares cannot be set up or `servers` is not in
    ///   `address[:port]` form.
    package init(configuration: Configuration = Configuration()) throws(DNSError) {
        self.configuration = configuration
        let libraryStatus = CAresLibrary.initialized
        guard libraryStatus == ARES_SUCCESS else {
            throw DNSError(code: .configuration, detail: "ares_library_init: \(Self.text(libraryStatus))")
        }

        var options = ares_options()
        options.timeout = Int32(clamping: max(1, configuration.timeout.nanoseconds / 1_000_000))
        options.tries = Int32(clamping: max(1, configuration.tries))
        var newChannel: ares_channel?
        let initStatus = ares_init_options(&newChannel, &options, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES)
        guard initStatus == ARES_SUCCESS, let newChannel else {
            throw DNSError(code: .configuration, detail: "ares_init_options: \(Self.text(initStatus))")
        }
        if !configuration.servers.isEmpty {
            let status = ares_set_servers_ports_csv(newChannel, configuration.servers.joined(separator: ","))
            guard status == ARES_SUCCESS else {
                ares_destroy(newChannel)
                throw DNSError(
                    code: .configuration,
                    detail: "dns_servers \(configuration.servers.joined(separator: ",")): \(Self.text(status))"
                )
            }
        }
        if let localAddress = configuration.localAddress {
            guard Self.setLocalAddress(localAddress, on: newChannel) else {
                ares_destroy(newChannel)
                throw DNSError(code: .configuration, detail: "local address \(localAddress) is not an IP address")
            }
        }
        let fd = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard fd >= 0 else {
            ares_destroy(newChannel)
            throw DNSError(code: .configuration, detail: "eventfd: errno \(errno)")
        }
        self.channel = newChannel
        self.wakeFD = fd

        let retained = Unmanaged.passRetained(self).toOpaque()
        let created = pthread_create(
            &thread, nil,
            { argument in
                guard let argument else { return nil }
                Unmanaged<CAresResolver>.fromOpaque(argument).takeRetainedValue().run()
                return nil
            }, retained)
        guard created == 0 else {
            Unmanaged<CAresResolver>.fromOpaque(retained).release()
            ares_destroy(newChannel)
            close(fd)
            throw DNSError(code: .configuration, detail: "pthread_create: \(created)")
        }
    }

    /// Queries leave from `address` (port: any): `ares_set_local_ip4` takes the IPv4 address in host
    /// byte order, `ares_set_local_ip6` the 16 bytes. A wildcard address leaves the choice to the system.
    private static func setLocalAddress(_ address: String, on channel: ares_channel) -> Bool {
        guard let parsed = try? SocketAddress(ipAddress: address, port: 0) else { return false }
        switch parsed {
        case .v4(let v4):
            let hostOrder = UInt32(bigEndian: v4.address.sin_addr.s_addr)
            if hostOrder != 0 { ares_set_local_ip4(channel, hostOrder) }
        case .v6(let v6):
            var bytes = v6.address.sin6_addr
            let isWildcard = withUnsafeBytes(of: &bytes) { $0.allSatisfy { $0 == 0 } }
            if !isWildcard {
                withUnsafeBytes(of: &bytes) { raw in
                    ares_set_local_ip6(channel, raw.bindMemory(to: UInt8.self).baseAddress)
                }
            }
        default:
            return false
        }
        return true
    }

    deinit {
        // Reached only after the thread ended (it holds a reference until then).
        ares_destroy(channel)
        close(wakeFD)
    }

    // MARK: DNSLookup

    package func lookupNAPTR(_ name: String) async throws(DNSError) -> DNSAnswer<NAPTRRecord> {
        try await query(name, type: .naptr, parse: CAresParsing.naptr)
    }

    package func lookupSRV(_ name: String) async throws(DNSError) -> DNSAnswer<SRVRecord> {
        try await query(name, type: .srv, parse: CAresParsing.srv)
    }

    package func lookupA(_ name: String) async throws(DNSError) -> DNSAnswer<IPAddress> {
        try await query(name, type: .a, parse: CAresParsing.a)
    }

    package func lookupAAAA(_ name: String) async throws(DNSError) -> DNSAnswer<IPAddress> {
        try await query(name, type: .aaaa, parse: CAresParsing.aaaa)
    }

    // MARK: Shutdown

    /// Stops the thread and waits for it without blocking the caller's thread. Queries still
    /// waiting end with `shutdown`. Calling it again is harmless.
    package func shutdown() async {
        let exited: Bool = requestStop()
        if !exited {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let alreadyExited = state.withLock { state in
                    if state.exited { return true }
                    state.exitWaiters.append(continuation)
                    return false
                }
                if alreadyExited { continuation.resume() }
            }
        }
        // The thread has left its loop; the join only waits for its last few instructions.
        join()
    }

    /// Stops the thread and joins it, blocking the caller until it has ended (a few milliseconds at
    /// most). Never call it on an event loop; prefer ``shutdown()`` from async code.
    package func syncShutdown() {
        _ = requestStop()
        join()
    }

    private func requestStop() -> Bool {
        let exited = state.withLock { state in
            state.stopping = true
            return state.exited
        }
        wake()
        return exited
    }

    private func join() {
        let mine = state.withLock { state in
            defer { state.joinClaimed = true }
            return !state.joinClaimed
        }
        if mine { pthread_join(thread, nil) }
    }

    // MARK: Queries

    private func query<Record>(
        _ name: String,
        type: DNSRecordType,
        parse: @escaping @Sendable (UnsafePointer<UInt8>, Int32, String) -> Result<DNSAnswer<Record>, DNSError>
    ) async throws(DNSError) -> DNSAnswer<Record> {
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<DNSAnswer<Record>, DNSError>, Never>) in
            let context = QueryContext { status, answer, length in
                continuation.resume(
                    returning: CAresParsing.complete(
                        status: status, answer: answer, length: length, name: name, parse: parse
                    ))
            }
            submit(Submission(name: name, type: Int32(type.rawValue), context: context))
        }
        return try result.get()
    }

    private func submit(_ submission: Submission) {
        let rejection: Int32? = state.withLock { state in
            if state.stopping { return ARES_EDESTRUCTION }
            if state.pending >= configuration.maximumPendingQueries { return SIPEndpointCAresStatus.tooManyQueries }
            state.pending += 1
            state.submissions.append(submission)
            return nil
        }
        if let rejection {
            submission.context.deliver(rejection, nil, 0)
        } else {
            wake()
        }
    }

    private func wake() {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { write(wakeFD, $0.baseAddress, 8) }
    }

    // MARK: The resolver thread

    /// How long one poll may sleep when c-ares has no earlier timeout: the loop always comes round
    /// within this, whatever happens to the eventfd.
    private static let maximumPollMilliseconds: Int32 = 1000

    private func run() {
        sipe_name_current_thread("sip-dns")
        while true {
            let (batch, stopping) = state.withLock { state in
                defer { state.submissions.removeAll(keepingCapacity: true) }
                return (state.submissions, state.stopping)
            }
            for submission in batch { start(submission) }
            if stopping { break }
            pollOnce()
        }
        // Ends every query still in flight with ARES_EDESTRUCTION, through the callbacks.
        ares_cancel(channel)
        let (late, waiters) = state.withLock { state in
            state.exited = true
            defer {
                state.submissions = []
                state.exitWaiters = []
            }
            return (state.submissions, state.exitWaiters)
        }
        for submission in late { submission.context.deliver(ARES_EDESTRUCTION, nil, 0) }
        for waiter in waiters { waiter.resume() }
    }

    private func start(_ submission: Submission) {
        let context = submission.context
        // The retain travels through c-ares as the callback argument and is released there.
        context.onFinish = { [weak self] in
            self?.state.withLock { $0.pending -= 1 }
        }
        let argument = Unmanaged.passRetained(context).toOpaque()
        ares_query(
            channel, submission.name, Int32(ns_c_in.rawValue), submission.type,
            { argument, status, _, answer, length in
                guard let argument else { return }
                let context = Unmanaged<QueryContext>.fromOpaque(argument).takeRetainedValue()
                context.deliver(status, answer.map { UnsafePointer($0) }, length)
                context.onFinish?()
            }, argument)
    }

    private func pollOnce() {
        var sockets = [ares_socket_t](repeating: ARES_SOCKET_BAD, count: Int(ARES_GETSOCK_MAXNUM))
        let bits = ares_getsock(channel, &sockets, ARES_GETSOCK_MAXNUM)
        var descriptors = [pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
        for index in 0..<Int(ARES_GETSOCK_MAXNUM) {
            var events: Int16 = 0
            if sipe_getsock_readable(bits, Int32(index)) != 0 { events |= Int16(POLLIN) }
            if sipe_getsock_writable(bits, Int32(index)) != 0 { events |= Int16(POLLOUT) }
            if events != 0 { descriptors.append(pollfd(fd: sockets[index], events: events, revents: 0)) }
        }

        var longest = timeval(tv_sec: Int(Self.maximumPollMilliseconds / 1000), tv_usec: 0)
        var next = timeval()
        var milliseconds = Self.maximumPollMilliseconds
        if let wait = ares_timeout(channel, &longest, &next) {
            // Round up so a timer due in 0.4 ms is not polled for 0 ms in a busy loop.
            let micros = Int64(wait.pointee.tv_sec) * 1_000_000 + Int64(wait.pointee.tv_usec)
            milliseconds = Int32(clamping: min(Int64(Self.maximumPollMilliseconds), (micros + 999) / 1000))
        }

        let ready = poll(&descriptors, nfds_t(descriptors.count), milliseconds)
        if ready > 0 {
            if descriptors[0].revents != 0 {
                var drained: UInt64 = 0
                _ = withUnsafeMutableBytes(of: &drained) { read(wakeFD, $0.baseAddress, 8) }
            }
            for descriptor in descriptors.dropFirst() where descriptor.revents != 0 {
                let readable = descriptor.revents & Int16(POLLIN | POLLERR | POLLHUP) != 0
                let writable = descriptor.revents & Int16(POLLOUT) != 0
                ares_process_fd(
                    channel,
                    readable ? descriptor.fd : ARES_SOCKET_BAD,
                    writable ? descriptor.fd : ARES_SOCKET_BAD
                )
            }
        }
        // With no socket given, c-ares only runs its timeouts: retries and ARES_ETIMEOUT.
        ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD)
    }

    fileprivate static func text(_ status: Int32) -> String {
        String(cString: ares_strerror(status))
    }
}

/// One query's way back to its caller. `deliver` runs exactly once, on the resolver thread (or on
/// the caller's when the query is refused before it starts).
private final class QueryContext: @unchecked Sendable {
    // @unchecked: `onFinish` is set before the query starts and read once, both on the resolver thread.
    let deliver: (Int32, UnsafePointer<UInt8>?, Int32) -> Void
    var onFinish: (() -> Void)?

    init(deliver: @escaping (Int32, UnsafePointer<UInt8>?, Int32) -> Void) {
        self.deliver = deliver
    }
}

/// c-ares needs `ares_library_init` once per process before any channel.
private enum CAresLibrary {
    static let initialized: Int32 = ares_library_init(ARES_LIB_INIT_ALL)
}

/// Status values of our own, outside c-ares' range, for refusals that happen before c-ares is asked.
enum SIPEndpointCAresStatus {
    static let tooManyQueries: Int32 = 10_001
}
