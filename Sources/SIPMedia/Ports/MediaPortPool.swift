import NIOCore

/// The media port pairs of one event loop's calls, kept open between calls by ``MediaPortRules``: a
/// call's ``reserve(address:in:)`` takes a rested pair when there is one and binds a fresh one otherwise;
/// its session hands the pair back when it closes. Idle pairs are closed after the rules' idle limit, and
/// all of them on ``shutdown()``.
///
/// Confined to its event loop: every method but ``release(_:)`` must be called on it.
package final class MediaPortPool: @unchecked Sendable {
    // @unchecked: all state is touched only on `eventLoop`.

    package let eventLoop: any EventLoop
    private var rules: MediaPortRules<RTPChannelPair>
    private var sweep: Scheduled<Void>?
    private var isShutDown = false
    /// Pairs handed out from the pool, and pairs bound fresh: how often a call reused sockets.
    package private(set) var reused = 0
    package private(set) var bound = 0

    package init(eventLoop: any EventLoop, rules: MediaPortRules<RTPChannelPair> = MediaPortRules()) {
        self.eventLoop = eventLoop
        self.rules = rules
    }

    /// Pairs idle now, oldest first.
    package var idlePairs: [RTPChannelPair] { rules.idle.map(\.pair) }
    package var idleCount: Int { rules.idle.count }
    /// Idle pairs that have rested: the next calls on their address can take them.
    package var restedCount: Int { rules.restedCount(now: eventLoop.now) }

    /// Ports for one call on `address`: a rested idle pair in `range`, or a freshly bound one; when the
    /// range is exhausted, an idle pair that has not rested yet rather than no call.
    package func reserve(address: String, in range: ClosedRange<Int>? = nil) throws(RTPPortReservationError)
        -> MediaPorts
    {
        eventLoop.assertInEventLoop()
        if let pair = takeOpen({ $0.take(address: address, range: range, now: eventLoop.now) }) {
            reused += 1
            return MediaPorts(pair: pair, pool: self)
        }
        do {
            let reservation = try RTPPortReservation.reserve(address: address, in: range)
            bound += 1
            return MediaPorts(reservation: reservation, pool: self)
        } catch  where error.code == .exhausted {
            guard let pair = takeOpen({ $0.takeAny(address: address, range: range) }) else { throw error }
            reused += 1
            return MediaPorts(pair: pair, pool: self)
        }
    }

    /// A session is done with `pair`: kept for the next call, or closed (the pool is full or shut down,
    /// or a socket failed). From another thread (a call's ports released as the last reference to them
    /// goes), it hops to the loop first.
    package func release(_ pair: RTPChannelPair) {
        guard eventLoop.inEventLoop else { return eventLoop.execute { self.release(pair) } }
        pair.detach()
        let kept =
            !isShutDown && pair.isOpen
            && rules.release(.init(pair: pair, address: pair.address, rtpPort: pair.rtpPort, releasedAt: eventLoop.now))
        guard kept else {
            _ = pair.close()
            return
        }
        scheduleSweep()
    }

    /// What a session calls with its pair when it closes.
    fileprivate func handBack(_ pair: RTPChannelPair) -> EventLoopFuture<Void> {
        release(pair)
        return eventLoop.makeSucceededVoidFuture()
    }

    /// Closes every idle pair; pairs released later are closed at once.
    package func shutdown() -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        isShutDown = true
        sweep?.cancel()
        sweep = nil
        let closes = rules.removeAll().map { $0.close() }
        return EventLoopFuture.andAllComplete(closes, on: eventLoop)
    }

    /// The first pair `take` gives that is still open; closed ones met on the way are dropped.
    private func takeOpen(_ take: (inout MediaPortRules<RTPChannelPair>) -> RTPChannelPair?) -> RTPChannelPair? {
        while let pair = take(&rules) {
            if pair.isOpen { return pair }
            _ = pair.close()
        }
        return nil
    }

    private func scheduleSweep() {
        guard sweep == nil, let due = rules.nextExpiry else { return }
        sweep = eventLoop.scheduleTask(deadline: due) { [weak self] in
            guard let self else { return }
            self.sweep = nil
            for pair in self.rules.expired(now: self.eventLoop.now) { _ = pair.close() }
            self.scheduleSweep()
        }
    }
}

/// The RTP and RTCP ports of one call, from the SDP offer or answer that names them until the call
/// ends: a reservation's bound sockets, or a pair of open channels from the pool. Used on the pool's
/// event loop; when its last reference goes elsewhere, a pair it still holds hops there to go back.
package final class MediaPorts: @unchecked Sendable {
    // @unchecked: touched only on the pool's event loop.

    private enum Held {
        case reservation(RTPPortReservation)
        case pair(RTPChannelPair)
    }

    package let rtpPort: Int
    package let rtcpPort: Int
    private var held: Held?
    private let pool: MediaPortPool

    init(reservation: RTPPortReservation, pool: MediaPortPool) {
        rtpPort = reservation.rtpPort
        rtcpPort = reservation.rtcpPort
        held = .reservation(reservation)
        self.pool = pool
    }

    init(pair: RTPChannelPair, pool: MediaPortPool) {
        rtpPort = pair.rtpPort
        rtcpPort = pair.rtcpPort
        held = .pair(pair)
        self.pool = pool
    }

    deinit { release() }

    /// The ports are still here: no session took them and the call did not release them.
    package var isHeld: Bool { held != nil }

    /// Starts the call's RTP session on these ports (at once when called on the clock's loop with a
    /// pair from the pool); the session hands them back to the pool when it closes. Fails when they
    /// were already used or released.
    package func openSession(configuration: MediaStreamConfiguration, clock: MediaClock)
        -> EventLoopFuture<RTPMediaSession>
    {
        let pool = self.pool
        switch held.take() {
        case .reservation(let reservation):
            return RTPChannelPair.adopt(reservation, on: clock.eventLoop).map { pair in
                RTPMediaSession.start(on: pair, configuration: configuration, clock: clock, handBack: pool.handBack)
            }
        case .pair(let pair):
            let loop = clock.eventLoop
            guard loop.inEventLoop else {
                return loop.submit {
                    RTPMediaSession.start(on: pair, configuration: configuration, clock: clock, handBack: pool.handBack)
                }
            }
            return loop.makeSucceededFuture(
                RTPMediaSession.start(on: pair, configuration: configuration, clock: clock, handBack: pool.handBack))
        case nil:
            return clock.eventLoop.makeFailedFuture(
                RTPPortReservationError(.released, "the call's media ports were already used or released"))
        }
    }

    /// The call is over before any session took the ports: a reservation's sockets are closed, a pair
    /// goes back to the pool (once `gate` completes, when one is given). Idempotent.
    package func release(after gate: EventLoopFuture<Void>? = nil) {
        switch held.take() {
        case .reservation(let reservation): reservation.release()
        case .pair(let pair):
            let pool = self.pool
            guard let gate else { return pool.release(pair) }
            gate.whenComplete { _ in pool.release(pair) }
        case nil: return
        }
    }
}
