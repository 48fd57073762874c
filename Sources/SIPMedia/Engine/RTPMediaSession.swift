import NIOCore
import NIOPosix

/// The driver of one call's ``MediaStream``: it owns the RTP and RTCP sockets, takes packet slots from
/// its loop's ``MediaClock``, pulls the application's ``AudioSource`` and feeds its ``AudioSink``. All
/// policy is in the stream; this class only moves bytes and time between it and the world.
///
/// Confined to one event loop (the phone's): every method must be called on it. Writes are dropped,
/// not queued, when the socket is not writable, so a stalled kernel buffer cannot grow memory.
package final class RTPMediaSession: MediaClockMember, @unchecked Sendable {
    // @unchecked: all state is touched only on `eventLoop` (asserted at the entry points).

    package let eventLoop: any EventLoop
    private let clock: MediaClock
    private var stream: MediaStream
    /// The sockets, until the session closes and hands them back.
    private var pair: RTPChannelPair?
    private var handBack: (@Sendable (RTPChannelPair) -> EventLoopFuture<Void>)?
    private var rtpChannel: (any Channel)? { pair?.rtp }
    private var rtcpChannel: (any Channel)? { pair?.rtcp }
    private var source: any AudioSource = SilenceSource()
    private var sourceFinished = false
    private var carriedSamples: [Int16] = []
    private var sink: (any AudioSink)?
    private var nextDue = NIODeadline.distantFuture
    /// The stream's ptime, kept here so the clock's hot path reads no struct field through the class.
    private var slotInterval: TimeAmount
    private var phase = 0
    private var isClosed = false
    private var inactivityReported = false
    /// Datagrams not sent because the socket was not writable, and socket errors seen.
    package private(set) var droppedWrites = 0
    package private(set) var socketErrors = 0
    /// Events for call control: digits, inactivity, the end of a played file.
    package var onEvent: ((MediaSessionEvent) -> Void)?

    /// A stalled loop catches up at most this far; older slots are skipped (counted late), because a
    /// burst of stale audio helps no listener.
    private static let maximumCatchUp = TimeAmount.milliseconds(100)

    private init(eventLoop: any EventLoop, clock: MediaClock, stream: MediaStream) {
        self.eventLoop = eventLoop
        self.clock = clock
        self.stream = stream
        self.slotInterval = .milliseconds(Int64(stream.configuration.ptime))
    }

    /// Adopts a reservation's bound sockets (RFC 3550 §11: RTP on the even port, RTCP on the next) and
    /// starts the stream on `clock`'s loop; the session closes the sockets when it closes. On failure
    /// whatever came up is closed.
    package static func open(
        reservation: RTPPortReservation, configuration: MediaStreamConfiguration, clock: MediaClock
    ) -> EventLoopFuture<RTPMediaSession> {
        RTPChannelPair.adopt(reservation, on: clock.eventLoop).map { pair in
            start(on: pair, configuration: configuration, clock: clock) { $0.close() }
        }
    }

    /// Starts a stream on `pair` (open, on `clock`'s loop, detached): from now on its datagrams come
    /// here. When the session closes it detaches and gives the pair to `handBack` (to close it, or to
    /// keep it for another call), whose future its ``close()`` returns.
    package static func start(
        on pair: RTPChannelPair, configuration: MediaStreamConfiguration, clock: MediaClock,
        handBack: @escaping @Sendable (RTPChannelPair) -> EventLoopFuture<Void>
    ) -> RTPMediaSession {
        clock.eventLoop.assertInEventLoop()
        let stream = MediaStream(
            configuration: configuration, ssrc: clock.random.next(), sequenceNumber: clock.random.next(),
            timestamp: clock.random.next(), now: .now())
        let session = RTPMediaSession(eventLoop: clock.eventLoop, clock: clock, stream: stream)
        session.pair = pair
        session.handBack = handBack
        pair.attach(session)
        (session.nextDue, session.phase) = clock.join(session)
        return session
    }

    // MARK: Commands (on the event loop)

    package func update(_ configuration: MediaStreamConfiguration) {
        eventLoop.assertInEventLoop()
        stream.update(configuration, now: .now())
        slotInterval = .milliseconds(Int64(configuration.ptime))
        if configuration.direction.receives { inactivityReported = false }
    }

    package func setSource(_ newSource: any AudioSource) {
        eventLoop.assertInEventLoop()
        source = newSource
        sourceFinished = false
        carriedSamples = []
    }

    package func setSink(_ newSink: (any AudioSink)?) {
        eventLoop.assertInEventLoop()
        sink = newSink
    }

    /// RFC 4733 digits; false when telephone-events were not negotiated.
    package func sendDTMF(_ events: [DTMFEvent]) -> Bool {
        eventLoop.assertInEventLoop()
        return stream.sendDTMF(events)
    }

    package var isSendingDTMF: Bool { stream.isSendingDTMF }

    /// How long since media last came from the peer (RTP, RTCP or comfort noise).
    package func mediaSilence() -> TimeAmount {
        eventLoop.assertInEventLoop()
        return stream.silence(now: .now())
    }

    package func statistics() -> MediaStreamStatistics {
        eventLoop.assertInEventLoop()
        return stream.statistics(now: .now())
    }

    package var localRTPPort: Int? { rtpChannel?.localAddress?.port }

    /// Sends a last RTCP report with BYE (RFC 3550 §6.6), leaves the clock and hands the sockets back
    /// (detached at once: nothing more reaches this session), once `gate` completes when one is given.
    /// Idempotent.
    package func close(handingBackAfter gate: EventLoopFuture<Void>? = nil) -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        guard !isClosed else { return eventLoop.makeSucceededVoidFuture() }
        isClosed = true
        clock.leave(self, phase: phase)
        if let bye = stream.rtcpReport(now: .now(), wallClock: WallClock.now(), randomFactor: 1, bye: true) {
            sendRTCP(bye)
        }
        onEvent = nil
        guard let pair, let handBack else { return eventLoop.makeSucceededVoidFuture() }
        self.pair = nil
        self.handBack = nil
        pair.detach()
        guard let gate else { return handBack(pair) }
        return gate.recover { _ in }.flatMap { handBack(pair) }
    }

    // MARK: The clock

    package func clockTick(now: NIODeadline) {
        guard !isClosed, nextDue <= now else { return }
        repeat {
            let lateness = now - nextDue
            if lateness > Self.maximumCatchUp {
                stream.skipSlot()
                _ = stream.playout(now: now, decoding: false)
            } else {
                send(stream.nextSlot())
                play(stream.playout(now: now, decoding: sink != nil))
            }
            clock.recordSlot(lateness: lateness)
            nextDue = nextDue + slotInterval
        } while nextDue <= now
        let due = stream.housekeeping(now: now)
        if due.rtcpDue,
            let report = stream.rtcpReport(
                now: now, wallClock: WallClock.now(), randomFactor: Double.random(in: 0.5...1.5))
        {
            sendRTCP(report)
        }
        if due.inactive, !inactivityReported {
            inactivityReported = true
            let timeout = stream.configuration.inactivityTimeout ?? .zero
            onEvent?(.inactive(silentFor: TimeAmountDescription(milliseconds: timeout.nanoseconds / 1_000_000)))
        }
    }

    private func send(_ slot: MediaStream.Slot) {
        switch slot {
        case .none:
            return
        case .audio(let header, let count):
            let samples = nextSamples(count)
            guard let channel = writableRTPChannel, let target = stream.rtpTarget else { return }
            var buffer = channel.allocator.buffer(capacity: RTPHeader.size + count + trailerRoom)
            header.write(into: &buffer)
            stream.codec.encode(samples, into: &buffer)
            guard stream.protectRTP(&buffer) else { return }
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: buffer), promise: nil)
        case .event(let header, let event):
            _ = nextSamples(stream.configuration.samplesPerPacket)  // the source's time runs on under the tone
            guard let channel = writableRTPChannel, let target = stream.rtpTarget else { return }
            var buffer = channel.allocator.buffer(capacity: RTPHeader.size + 4 + trailerRoom)
            header.write(into: &buffer)
            buffer.writeBytes(event.serialized())
            guard stream.protectRTP(&buffer) else { return }
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: buffer), promise: nil)
        }
    }

    /// Room for SRTP's trailer, so protecting in place does not grow the buffer.
    private var trailerRoom: Int { stream.isSecure ? SRTPContext.maximumTrailer : 0 }

    private var writableRTPChannel: (any Channel)? {
        guard let channel = rtpChannel, channel.isWritable else {
            droppedWrites += 1
            return nil
        }
        return channel
    }

    /// `count` samples from the source, whatever its frame size; silence once it has finished.
    private func nextSamples(_ count: Int) -> [Int16] {
        if carriedSamples.isEmpty, !sourceFinished, let frame = source.nextFrame() {
            if frame.count == count { return frame }
            carriedSamples = frame
        }
        while carriedSamples.count < count {
            guard !sourceFinished, let frame = source.nextFrame(), !frame.isEmpty else {
                if !sourceFinished {
                    sourceFinished = true
                    onEvent?(.sourceFinished)
                }
                carriedSamples += repeatElement(0, count: count - carriedSamples.count)
                break
            }
            carriedSamples += frame
        }
        let out = Array(carriedSamples.prefix(count))
        carriedSamples.removeFirst(count)
        return out
    }

    private func play(_ playout: MediaStream.Playout) {
        guard sink != nil else { return }
        switch playout {
        case .nothing: return
        case .samples(let samples): sink?.consume(samples)
        case .silence(let count): sink?.consume([Int16](repeating: 0, count: count))
        }
    }

    private func sendRTCP(_ bytes: [UInt8]) {
        let channel = stream.configuration.rtcpMux ? rtpChannel : rtcpChannel
        guard let channel, channel.isWritable, let target = stream.rtcpTarget else { return }
        channel.writeAndFlush(
            AddressedEnvelope(remoteAddress: target, data: channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    // MARK: Datagrams in

    func received(_ envelope: AddressedEnvelope<ByteBuffer>, onRTCPPort: Bool) {
        guard !isClosed else { return }
        let bytes = Array(envelope.data.readableBytesView)
        if onRTCPPort || (stream.configuration.rtcpMux && Self.isRTCP(bytes)) {
            stream.receiveRTCP(bytes, from: envelope.remoteAddress, now: .now(), wallClock: WallClock.now())
            return
        }
        if case .dtmf(let digit) = stream.receiveRTP(bytes, from: envelope.remoteAddress, now: .now()) {
            onEvent?(.dtmfReceived(digit.event))
        }
    }

    /// RFC 5761 §4: on a multiplexed port, RTCP's packet types 192–223 sit where RTP's marker bit and
    /// payload types 64–95 would, which no audio profile assigns.
    private static func isRTCP(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && (192...223).contains(bytes[1])
    }

    func socketError() { socketErrors += 1 }
}
