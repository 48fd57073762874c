import NIOCore

/// One call's RTP stream as a value: what to send in each packet slot, what to make of each datagram
/// that arrives, what to play out, and when to report over RTCP. Time comes in as an argument; the
/// driver (``RTPMediaSession``) owns the sockets, the clock and the audio source and sink.
///
/// ```
///   slot every ptime ──► nextSlot() ──► .audio(header) ─► driver pulls the source, encodes, sends
///                                  ├─► .event(header, telephone-event) ─► driver sends (RFC 4733)
///                                  └─► .none  (hold: direction does not send; nowhere to send)
///   datagram ─────────► receiveRTP() ─► jitter buffer, RFC 3550 A.3/A.8 statistics, RFC 4733 digits,
///                                       media source rule and symmetric-RTP latch (RFC 4961)
///   slot every ptime ──► playout() ───► decoded frame / concealment for the sink
///   RTCP datagram ────► receiveRTCP() ─► LSR/DLSR, round-trip time, the peer's view of our loss
/// ```
///
/// Nothing here trusts the network: a datagram that is not RTP, carries a payload type we did not
/// agree on, comes while we do not expect media, or comes from an address the peer's SDP did not name
/// (``SymmetricRTPLatch``) is counted and dropped; every buffer is bounded
/// (the jitter buffer by its capacity, DTMF state by one event).
package struct MediaStream: Sendable {
    package private(set) var configuration: MediaStreamConfiguration
    package let codec: G711Codec
    private var sender: RTPSender
    private var dtmfSender: DTMFSender
    private var dtmfReceiver = DTMFReceiver()
    private var jitterBuffer: JitterBuffer
    private var reception: ReceptionStatistics
    private var latch: SymmetricRTPLatch
    private var rtcpLatch: SymmetricRTPLatch
    package private(set) var rtcp: RTCPReporting
    /// SRTP contexts when the offer/answer agreed keys; every datagram passes them first.
    private var crypto = SRTPStreamCrypto()
    /// The peer's SSRC once its first packet came; a new one restarts reception statistics.
    package private(set) var remoteSSRC: UInt32?
    private var totals = MediaStreamStatistics()
    /// Loss over sources the peer used before its current one.
    private var lostBeforeCurrentSource: Int64 = 0
    private var expectedBeforeCurrentSource: Int64 = 0
    /// When RTP last arrived, or when we started expecting it.
    private var lastArrival: NIODeadline
    package private(set) var playoutStarted = false

    /// - Parameters:
    ///   - ssrc, sequenceNumber, timestamp: random per call (RFC 3550 §5.1, §8.1); inputs so tests
    ///     are repeatable.
    package init(
        configuration: MediaStreamConfiguration, ssrc: UInt32, sequenceNumber: UInt16, timestamp: UInt32,
        now: NIODeadline
    ) {
        self.configuration = configuration
        self.codec = G711Codec(configuration.codec) ?? .pcmu
        self.sender = RTPSender(
            ssrc: ssrc, sequenceNumber: sequenceNumber, timestamp: timestamp,
            samplesPerPacket: UInt32(configuration.samplesPerPacket))
        self.dtmfSender = DTMFSender(
            eventDuration: configuration.dtmfDuration, interDigitGap: configuration.dtmfGap, ptime: configuration.ptime)
        self.jitterBuffer = JitterBuffer(configuration: configuration.jitterBuffer)
        self.reception = ReceptionStatistics(clockRate: configuration.codec.clockRate)
        self.latch = SymmetricRTPLatch(signalled: configuration.remoteRTP)
        self.rtcpLatch = SymmetricRTPLatch(
            signalled: configuration.rtcpMux ? configuration.remoteRTP : configuration.remoteRTCP)
        self.rtcp = RTCPReporting(ssrc: ssrc, cname: configuration.cname, now: now)
        self.lastArrival = now
        totals.codec = configuration.codec.encodingName.uppercased()
        crypto.apply(configuration.srtp)
    }

    package var ssrc: UInt32 { sender.ssrc }

    /// Packets waiting in the jitter buffer: at most its capacity, whatever arrives.
    package var bufferedPackets: Int { jitterBuffer.bufferedCount }

    /// Where RTP goes now.
    package var rtpTarget: SocketAddress? { latch.target }
    /// Where RTCP goes now: the RTP target under rtcp-mux, else the latched or signalled RTCP address.
    package var rtcpTarget: SocketAddress? { configuration.rtcpMux ? latch.target : rtcpLatch.target }

    // MARK: Offer/answer

    /// A new offer/answer (hold, retrieve, the peer moved): direction and addresses change, the
    /// sequence space and statistics carry on (RFC 3264 §8: same stream, same SSRC).
    package mutating func update(_ new: MediaStreamConfiguration, now: NIODeadline) {
        let old = configuration
        configuration = new
        if new.remoteRTP != old.remoteRTP { latch.reset(signalled: new.remoteRTP) }
        if new.remoteRTCP != old.remoteRTCP || new.rtcpMux != old.rtcpMux {
            rtcpLatch.reset(signalled: new.rtcpMux ? new.remoteRTP : new.remoteRTCP)
        }
        // The inactivity timer starts over whenever it is (re-)armed: receiving again, or a timeout
        // set again after a hold that had none.
        if new.direction.receives && (!old.direction.receives || old.inactivityTimeout == nil) { lastArrival = now }
        // Same keys, same contexts: a hold or a refresh does not restart the packet index (RFC 3711 §9.2).
        crypto.apply(new.srtp)
        sender.samplesPerPacket = UInt32(new.samplesPerPacket)
    }

    // MARK: Sending

    /// What one packet slot carries.
    package enum Slot: Hashable, Sendable {
        /// Audio: the driver appends `samples` encoded samples after the header.
        case audio(RTPHeader, samples: Int)
        /// An RFC 4733 event packet, complete.
        case event(RTPHeader, TelephoneEvent)
        /// Nothing goes out in this slot.
        case none
    }

    /// Queues digits for RFC 4733 (only when telephone-events were negotiated; the caller uses SIP
    /// INFO otherwise). Returns false when they were not queued.
    package mutating func sendDTMF(_ events: [DTMFEvent]) -> Bool {
        guard configuration.telephoneEventPayloadType != nil else { return false }
        dtmfSender.enqueue(events)
        return true
    }

    /// Whether RFC 4733 digits are still being sent.
    package var isSendingDTMF: Bool { !dtmfSender.isIdle }

    /// The next packet slot (called every ptime).
    package mutating func nextSlot() -> Slot {
        guard configuration.direction.sends, latch.target != nil else {
            sender.skip()
            return .none
        }
        if let eventType = configuration.telephoneEventPayloadType {
            switch dtmfSender.nextSlot(rtpTimestamp: sender.timestamp) {
            case .audio:
                break
            case .event(let event, let timestamp, let marker):
                if marker { totals.dtmfSent += 1 }
                let header = sender.event(payloadType: eventType, timestamp: timestamp, marker: marker, payloadSize: 4)
                return .event(header, event)
            }
        }
        let samples = configuration.samplesPerPacket
        return .audio(
            sender.audio(payloadType: configuration.codec.payloadType, payloadSize: samples), samples: samples)
    }

    /// Turns the RTP packet the driver built for a slot (the readable bytes of `buffer`) into what goes
    /// on the wire: SRTP when keys were agreed. False: send nothing (SRTP agreed but not possible).
    package func protectRTP(_ buffer: inout ByteBuffer) -> Bool {
        crypto.protectRTP(&buffer)
    }

    /// Whether packets are SRTP; room to leave for the authentication tag when they are.
    package var isSecure: Bool { crypto.isActive }

    /// The sending SRTP context (tests check it lives as long as its key).
    package var sendingSRTPContext: SRTPContext? { crypto.sendingContext }

    /// A slot the driver could not serve in time (its loop stalled): the audio clock moves on, no packet
    /// is numbered, so the receiver sees a pause (and a new talkspurt), not a loss.
    package mutating func skipSlot() {
        sender.skip()
    }

    // MARK: Receiving

    /// What became of one RTP datagram.
    package enum Reception: Hashable, Sendable {
        case audio
        /// A new RFC 4733 digit started (reported once however many packets carry it).
        case dtmf(ReceivedDTMF)
        /// Part of an event already reported.
        case event
        /// Not ours to play: malformed, an unknown payload type, or nothing expected now.
        case discarded
    }

    /// One datagram from the RTP socket. RFC 3550 A.1 checks that need no history are in the parser;
    /// the payload type is checked here against what was negotiated.
    package mutating func receiveRTP(_ bytes: [UInt8], from source: SocketAddress, now: NIODeadline) -> Reception {
        // Media follows signalling: a source the SDP did not name is dropped before anything is read.
        guard latch.admits(source) else {
            totals.discarded += 1
            totals.rejectedSource += 1
            return .discarded
        }
        // RFC 3711 §3.3: authenticate before anything is read, so only a packet from the key's holder
        // reaches the parser, the statistics and the latch.
        var bytes = bytes
        guard admitSecure(&bytes, rtcp: false) else { return .discarded }
        guard let packet = try? RTPPacket(parsing: bytes) else {
            totals.discarded += 1
            return .discarded
        }
        // RFC 3264 §5.1: a stream we marked sendonly or inactive is not to be sent to; what comes anyway
        // (a peer slow to stop, a failed dial attempt's early media) must neither play nor move the latch.
        guard configuration.direction.receives else {
            totals.discarded += 1
            return .discarded
        }
        let isAudio = packet.payloadType == configuration.codec.payloadType
        let isEvent = configuration.telephoneEventPayloadType.map { packet.payloadType == $0 } ?? false
        // RFC 3389 comfort noise (static payload type 13, RFC 3551 §6): not played, but it is the
        // peer's media saying it is silent on purpose, so the media path is alive.
        if packet.payloadType == Self.comfortNoisePayloadType {
            lastArrival = now
            return .event
        }
        guard isAudio || isEvent else {
            totals.discarded += 1
            return .discarded
        }
        if latch.observe(source) == .accepted(moved: true) {
            rtcpLatchFollows(rtpSource: source)
        }
        if remoteSSRC != packet.ssrc {
            if remoteSSRC != nil { restartReception() }
            remoteSSRC = packet.ssrc
        }
        lastArrival = now
        totals.packetsReceived += 1
        totals.octetsReceived += UInt64(packet.payload.count)
        reception.record(sequenceNumber: packet.sequenceNumber, timestamp: packet.timestamp, arrival: now)
        // Events take their place in the sequence so the jitter buffer sees no gap; they play as silence.
        _ = jitterBuffer.insert(
            JitterBufferPacket(
                sequenceNumber: packet.sequenceNumber, timestamp: packet.timestamp,
                payload: isAudio ? packet.payload : []),
            arrival: now)
        guard isEvent else { return .audio }
        guard let event = try? TelephoneEvent(parsing: packet.payload) else { return .event }
        guard let digit = dtmfReceiver.receive(event, timestamp: packet.timestamp) else { return .event }
        totals.dtmfReceived += 1
        return .dtmf(digit)
    }

    /// Unprotects an SRTP or SRTCP datagram in place; false (counted) when it is not authentic.
    private mutating func admitSecure(_ bytes: inout [UInt8], rtcp: Bool) -> Bool {
        switch rtcp ? crypto.unprotectRTCP(&bytes) : crypto.unprotectRTP(&bytes) {
        case .plain, .authentic:
            return true
        case .failed(let code):
            totals.discarded += 1
            if code == .replay { totals.replayedPackets += 1 } else { totals.authenticationFailures += 1 }
            return false
        }
    }

    /// Without rtcp-mux, a peer whose RTP came from elsewhere most likely sends RTCP from the next port.
    private mutating func rtcpLatchFollows(rtpSource: SocketAddress) {
        guard !configuration.rtcpMux, !rtcpLatch.isLatched, let port = rtpSource.port, port < 65535 else { return }
        var next = rtpSource
        next.port = port + 1
        rtcpLatch.guess(next)
    }

    private mutating func restartReception() {
        lostBeforeCurrentSource += max(0, reception.cumulativeLost)
        expectedBeforeCurrentSource += reception.expected
        reception = ReceptionStatistics(clockRate: configuration.codec.clockRate)
        jitterBuffer = JitterBuffer(configuration: configuration.jitterBuffer)
        // A new source numbers its events on its own timestamps.
        dtmfReceiver = DTMFReceiver()
        playoutStarted = false
    }

    // MARK: Playout

    /// What the sink gets for one slot.
    package enum Playout: Hashable, Sendable {
        /// Nothing yet: no packet has arrived, or the initial delay has not passed.
        case nothing
        /// Samples decoded from a packet.
        case samples([Int16])
        /// A slot with no audio (lost, late, an event, the peer paused): this many samples of silence.
        case silence(Int)
    }

    /// One slot of the playout clock. With `decoding` false (nobody listens) the jitter buffer and its
    /// counters move as usual but frames are not decoded: `.samples` becomes `.nothing`.
    package mutating func playout(now: NIODeadline, decoding: Bool = true) -> Playout {
        let samples = configuration.samplesPerPacket
        switch jitterBuffer.pull(now: now) {
        case .waiting:
            return playoutStarted ? .silence(samples) : .nothing
        case .frame(let packet):
            playoutStarted = true
            guard decoding else { return .nothing }
            return packet.payload.isEmpty ? .silence(samples) : .samples(codec.decode(packet.payload))
        case .lost:
            totals.concealed += 1
            return .silence(samples)
        case .underrun, .inserted:
            return playoutStarted ? .silence(samples) : .nothing
        }
    }

    // MARK: RTCP

    /// One datagram from the RTCP socket (or an RTCP packet on the RTP port under rtcp-mux).
    package mutating func receiveRTCP(
        _ bytes: [UInt8], from source: SocketAddress, now: NIODeadline, wallClock: NTPTimestamp
    ) {
        // A stranger's RTCP could fake our round trip or the peer's loss, or say BYE: same rule as RTP.
        guard rtcpLatch.admits(source) else {
            totals.discarded += 1
            totals.rejectedSource += 1
            return
        }
        var bytes = bytes
        guard admitSecure(&bytes, rtcp: true) else { return }
        guard rtcp.receive(bytes, now: now, wallClock: wallClock) else {
            totals.discarded += 1
            return
        }
        _ = rtcpLatch.observe(source)
        // A valid report from the peer is media too: a peer that suppresses silence still reports
        // (RFC 3550 §6.2), so the inactivity timer does not cut it.
        lastArrival = now
    }

    /// The compound RTCP packet to send now, if one is due (RFC 3550 §6.2: every 5 s or so), or the
    /// last one, with BYE, when `bye` is set. RFC 3550 §6.3.7: a participant that never sent an RTP or
    /// RTCP packet must not send a BYE, so a stream that sent nothing (a call ended before its first
    /// packet slot) leaves without one.
    package mutating func rtcpReport(now: NIODeadline, wallClock: NTPTimestamp, randomFactor: Double, bye: Bool = false)
        -> [UInt8]?
    {
        if bye {
            guard sender.packetCount > 0 || rtcp.reportsSent > 0 else { return nil }
        } else {
            guard rtcp.isDue(now: now) else { return nil }
        }
        let report = rtcp.makeReport(
            now: now, wallClock: wallClock, randomFactor: randomFactor, sender: sender,
            reception: remoteSSRC.map { ($0, reception.makeReportBlock()) }, bye: bye)
        return crypto.protectRTCP(report)
    }

    // MARK: Inactivity and statistics

    /// What is due besides audio, asked once per packet slot. Mutating only so that the driver reaches
    /// the stream in place: a non-mutating call on a struct stored in a class copies all of it.
    package mutating func housekeeping(now: NIODeadline) -> (rtcpDue: Bool, inactive: Bool) {
        (rtcp.isDue(now: now), isInactive(now: now))
    }

    /// True when the stream expects RTP and none has come for `inactivityTimeout` (the media path of a
    /// dead site, a peer that crashed without a BYE).
    /// RFC 3551 §6: CN, 8000 Hz.
    static let comfortNoisePayloadType: UInt8 = 13

    /// How long since the last media from the peer (RTP, RTCP or comfort noise), or since the
    /// stream was (re-)armed to receive.
    package func silence(now: NIODeadline) -> TimeAmount { now - lastArrival }

    package func isInactive(now: NIODeadline) -> Bool {
        guard let timeout = configuration.inactivityTimeout, configuration.direction.receives else { return false }
        return now - lastArrival >= timeout
    }

    package func statistics(now: NIODeadline) -> MediaStreamStatistics {
        var s = totals
        s.packetsSent = UInt64(sender.packetCount)
        s.octetsSent = UInt64(sender.octetCount)
        let expected = expectedBeforeCurrentSource + reception.expected
        s.packetsLost = lostBeforeCurrentSource + max(0, reception.cumulativeLost)
        s.lossRatio = expected > 0 ? min(1, Double(s.packetsLost) / Double(expected)) : 0
        s.jitterMilliseconds = reception.jitterMilliseconds
        s.roundTripTimeMilliseconds = rtcp.roundTripTime.map { $0 * 1000 }
        s.remoteLossRatio = rtcp.remoteReport.map { Double($0.fractionLost) / 256 }
        s.remotePacketsLost = rtcp.remoteReport.map { Int64($0.cumulativeLost) }
        let counters = jitterBuffer.counters
        s.late = counters.late
        s.duplicated = counters.duplicated
        s.reordered = counters.reordered
        s.jitterBufferDelayMilliseconds = Double(jitterBuffer.targetDelay.nanoseconds) / 1e6
        // Late packets are lost to the listener as much as dropped ones (G.107's Ppl counts both).
        let listenerLoss = expected > 0 ? min(1, Double(s.packetsLost + Int64(counters.late)) / Double(expected)) : 0
        let delay =
            s.jitterBufferDelayMilliseconds + Double(configuration.ptime) + (s.roundTripTimeMilliseconds ?? 0) / 2
        s.meanOpinionScore = EModel().meanOpinionScore(lossRatio: listenerLoss, oneWayDelayMilliseconds: delay)
        s.srtpSuite = configuration.srtp?.suite.name
        s.remoteAddress = latch.target.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" }
        return s
    }
}
