import Foundation
import NIOCore
import SIPMedia

/// The media side of call control: an RTP session per connected call, built from what the
/// offer/answer agreed, kept in step with every re-INVITE, ended with the call.
extension CallDriver {
    /// Opens the call's RTP session on its reserved ports once it is connected, or earlier when a
    /// provisional response brought the answer (early media).
    func startMedia(_ id: String) {
        guard let call = calls[id], call.rtpSession == nil, let configuration = streamConfiguration(call),
            let ports = call.rtp, ports.isHeld
        else { return }
        ports.openSession(configuration: configuration, clock: environment.mediaClock).whenComplete {
            [weak self] result in
            guard let self else { return }
            switch result {
            case .success(let session):
                guard let call = self.calls[id], call.status != .disconnected, call.rtpSession == nil else {
                    _ = session.close()
                    return
                }
                self.calls[id]?.rtpSession = session
                self.callsWithMedia += 1
                self.logKeys(id)
                self.environment.mediaMetrics.callStarted()
                self.startPublishingMetrics()
                session.onEvent = { [weak self] event in self?.mediaEvent(id, event) }
                self.applySource(id)
                if let recorder = call.recorder { session.setSink(recorder) }
                // The answer may have changed while the sockets were being adopted.
                if let latest = self.streamConfiguration(call) {
                    session.update(latest)
                    self.logKeys(id)
                }
            case .failure(let error):
                self.logger.error("session \(id): no RTP session: \(error)")
            }
        }
    }

    /// A new offer/answer completed: direction, addresses or ptime may have changed (hold, retrieve, a
    /// peer that moved its media).
    func updateMedia(_ id: String) {
        guard let call = calls[id], let session = call.rtpSession, let configuration = streamConfiguration(call) else {
            return
        }
        session.update(configuration)
        logKeys(id)
    }

    /// Writes each SRTP key the call's stream newly uses to `srtp_key_log`, when one is set: a key once.
    private func logKeys(_ id: String) {
        guard let keyLog = environment.srtpKeyLog, let call = calls[id], let negotiated = call.media.negotiated,
            let srtp = negotiated.srtp
        else { return }
        let local = "\(negotiated.localAddress):\(negotiated.localRTPPort)"
        let remote = "\(negotiated.remoteAddress):\(negotiated.remoteRTPPort)"
        for (direction, key) in [(SRTPKeyLog.Direction.send, srtp.sendKey), (.receive, srtp.receiveKey)] {
            guard calls[id]?.loggedKeys.insert(key).inserted == true else { continue }
            keyLog.write(
                SRTPKeyLog.Entry(
                    time: Date(), callID: call.sipCallID ?? id, direction: direction, local: local, remote: remote,
                    key: key))
        }
    }

    /// Stops sending and expecting RTP, keeping the sockets and the numbering, until the next
    /// offer/answer (a dial attempt after one that had early media).
    func pauseMedia(_ call: Call) {
        guard let session = call.rtpSession, var configuration = streamConfiguration(call) else { return }
        configuration.direction = .inactive
        configuration.remoteRTP = nil
        configuration.remoteRTCP = nil
        session.update(configuration)
    }

    /// Closes the RTP session; returns its final figures. The ports go back to the pool for another
    /// call once the INVITE session is over (``sessionOver(_:)``).
    func stopMedia(_ id: String) -> MediaStatistics? {
        guard let call = calls[id] else { return nil }
        try? call.recorder?.finish()
        let over = sessionOver(call)
        call.rtp?.release(after: over)
        guard let session = call.rtpSession else { return nil }
        let statistics = MediaStatistics(session.statistics())
        environment.mediaMetrics.callEnded(statistics, since: call.publishedStatistics)
        _ = session.close(handingBackAfter: over)
        calls[id]?.rtpSession = nil
        callsWithMedia -= 1
        if callsWithMedia == 0 {
            metricsTask?.cancel()
            metricsTask = nil
        }
        return statistics
    }

    /// Completes when the call's INVITE session is over and every request of it answered (our BYE's
    /// 200, a CANCEL's 487, or given up); nil when it is over already (the engine forgets a session when
    /// it finishes). Until then the peer may not have seen the end and may still send media to the
    /// call's ports, which must not carry another call yet: the latch takes another port of the same
    /// address (a media server's), so a stale stream could steer the next call's RTP.
    func sessionOver(_ call: Call) -> EventLoopFuture<Void>? {
        guard let session = call.latestSession, engine.hasSession(session) else { return nil }
        let promise = eventLoop.makePromise(of: Void.self)
        finalWaiters[session, default: []].append(promise)
        return promise.futureResult
    }

    private func startPublishingMetrics() {
        guard metricsTask == nil else { return }
        let interval = MediaMetrics.publishInterval
        metricsTask = environment.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) {
            [weak self] _ in
            self?.publishMetrics()
        }
    }

    private func publishMetrics() {
        for (id, call) in calls {
            guard let session = call.rtpSession else { continue }
            let now = MediaStatistics(session.statistics())
            environment.mediaMetrics.publish(now, since: call.publishedStatistics)
            calls[id]?.publishedStatistics = now
        }
    }

    private func streamConfiguration(_ call: Call) -> MediaStreamConfiguration? {
        guard let negotiated = call.media.negotiated else { return nil }
        // A held call is not expected to receive media (music on hold is optional): not counted. Its
        // timer starts over when the call is retrieved (the stream restarts it when it is re-armed).
        let held = call.heldLocally || call.media.isHeldByRemote
        let timeout = held ? nil : environment.configuration.endpoint.rtpInactivityTimeout.map { TimeAmount($0) }
        return MediaStreamConfiguration(
            negotiated: negotiated, cname: environment.mediaCNAME, inactivityTimeout: timeout)
    }

    private func mediaEvent(_ id: String, _ event: MediaSessionEvent) {
        switch event {
        case .dtmfReceived(let digit):
            dtmfReceived(id, digit: digit.character, method: .rfc2833)
        case .inactive(let silentFor):
            guard let call = calls[id], call.engineSession != nil else { return }
            logger.warning("session \(id): no media for \(silentFor); hanging up")
            feed(
                id,
                .mediaStopped(
                    silentFor: "\(silentFor)", connectionFailed: environment.connectionHasFailed(call.connectionId)))
        case .sourceFinished:
            logger.debug("session \(id): the media source finished")
        }
    }

    func dtmfReceived(_ id: String, digit: Character, method: SessionDTMFReceived.Method) {
        guard let call = calls[id] else { return }
        let event = SessionEvent.dtmfReceived(
            SessionDTMFReceived(sessionId: id, digit: digit, method: method, time: Date()))
        call.events.yield(event)
        events.yield(event)
    }

    // MARK: Commands

    func play(_ id: String, _ source: MediaSource) throws(SipEndpointError) {
        guard calls[id] != nil else { throw SipEndpointError(.unknownSession, "no session \(id)") }
        // Open a file now, so a bad path fails the call to play(), not a packet later.
        if case .file(let path, _) = source {
            do { _ = try WAVFile(contentsOf: path) } catch {
                throw SipEndpointError(.mediaUnavailable, "cannot play \(path): \(error)")
            }
        }
        calls[id]?.mediaSource = source
        applySource(id)
    }

    func record(_ id: String, to path: String, encoding: RecordingEncoding) throws(SipEndpointError) {
        guard let call = calls[id] else { throw SipEndpointError(.unknownSession, "no session \(id)") }
        let recorder: WAVRecorder
        do {
            recorder = try WAVRecorder(path: path, encoding: WAVEncoding(encoding))
        } catch {
            throw SipEndpointError(.mediaUnavailable, "cannot record to \(path): \(error)")
        }
        try? call.recorder?.finish()
        calls[id]?.recorder = recorder
        call.rtpSession?.setSink(recorder)
        if case .echo = call.mediaSource { applySource(id) }
    }

    func stopRecording(_ id: String) throws(SipEndpointError) {
        guard let call = calls[id] else { throw SipEndpointError(.unknownSession, "no session \(id)") }
        try? call.recorder?.finish()
        calls[id]?.recorder = nil
        call.rtpSession?.setSink(nil)
        if case .echo = call.mediaSource { applySource(id) }
    }

    func statistics(_ id: String) throws(SipEndpointError) -> MediaStatistics? {
        guard let call = calls[id] else { throw SipEndpointError(.unknownSession, "no session \(id)") }
        return call.rtpSession.map { MediaStatistics($0.statistics()) }
    }

    /// Plugs the chosen source into the running RTP session (nothing to do before it runs).
    private func applySource(_ id: String) {
        guard let call = calls[id], let session = call.rtpSession else { return }
        switch call.mediaSource {
        case .silence:
            session.setSource(SilenceSource())
        case .tone(let frequency, let amplitude):
            session.setSource(ToneGenerator(frequency: frequency, amplitude: amplitude))
        case .file(let path, let loop):
            guard let file = try? WAVFile(contentsOf: path) else {
                session.setSource(SilenceSource())
                return
            }
            if loop {
                session.setSource(LoopingSource(WAVFilePlayer(file)))
            } else {
                session.setSource(WAVFilePlayer(file))
            }
        case .echo:
            // The echo takes the received audio; a recording still gets it through the echo's tap.
            let echo = AudioEcho()
            session.setSource(echo.source)
            session.setSink(AudioTee(echo.sink, call.recorder))
        }
    }
}

extension WAVEncoding {
    init(_ encoding: RecordingEncoding) {
        switch encoding {
        case .pcm16: self = .pcm16
        case .pcmu: self = .pcmu
        case .pcma: self = .pcma
        }
    }
}

extension MediaStatistics {
    init(_ s: MediaStreamStatistics) {
        self.init(
            codec: s.codec, packetsSent: s.packetsSent, octetsSent: s.octetsSent, packetsReceived: s.packetsReceived,
            octetsReceived: s.octetsReceived, packetsLost: s.packetsLost, lossRatio: s.lossRatio,
            jitterMilliseconds: s.jitterMilliseconds, roundTripTimeMilliseconds: s.roundTripTimeMilliseconds,
            remoteLossRatio: s.remoteLossRatio, remotePacketsLost: s.remotePacketsLost, latePackets: s.late,
            duplicatePackets: s.duplicated, reorderedPackets: s.reordered, concealedFrames: s.concealed,
            discardedPackets: s.discarded, rejectedSourcePackets: s.rejectedSource,
            authenticationFailures: s.authenticationFailures, replayedPackets: s.replayedPackets,
            srtpSuite: s.srtpSuite,
            jitterBufferMilliseconds: s.jitterBufferDelayMilliseconds, dtmfSent: s.dtmfSent,
            dtmfReceived: s.dtmfReceived, meanOpinionScore: s.meanOpinionScore, remoteAddress: s.remoteAddress)
    }
}
