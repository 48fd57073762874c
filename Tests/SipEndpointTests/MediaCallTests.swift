import Foundation
import Metrics
import MetricsTestKit
import SIPMedia
import SIPTestSupport
import SipEndpoint
import Testing

/// Media end to end: two SDK phones call each other over loopback — SIP straight from one to the
/// other (each one's connection points at the other, no registrar), RTP on real sockets.
@Suite("Media between two phones")
struct MediaCallTests {
    struct PhonePair: Sendable {
        let caller: Phone
        let callee: Phone
        let callerSession: Session
        let calleeSession: Session
        let callerLog: SessionLog
        let calleeLog: SessionLog

        /// `index` picks a pair of loopback addresses of its own, so suites running at once never share a port.
        static func connect(
            index: Int, dtmf: SessionPolicy.DTMFMethod = .rfc2833, calleeInactivity: Duration? = nil,
            callerMetrics: (any MetricsFactory)? = nil
        ) async throws -> PhonePair {
            let hostA = "127.0.\(60 + index).1"
            let hostB = "127.0.\(60 + index).2"
            let port = 5180
            func phone(
                host: String, user: String, peer: String, inactivity: Duration?, metrics: (any MetricsFactory)? = nil
            ) -> Phone {
                var configuration = fastConfiguration(
                    [
                        ConnectionConfiguration(
                            user: user, server: ServerAddress(host: peer, port: port), reregisterInSeconds: 0,
                            optionsInterval: 0)
                    ], timeoutMs: 2000)
                configuration.endpoint.localAddress = host
                configuration.endpoint.sipPortRange = port...port
                configuration.endpoint.rtpInactivityTimeout = inactivity
                configuration.session.dtmfMethod = dtmf
                return Phone.onOwnThread(configuration: configuration, metrics: metrics)
            }
            let caller = phone(host: hostA, user: "7001", peer: hostB, inactivity: nil, metrics: callerMetrics)
            let callee = phone(host: hostB, user: "7002", peer: hostA, inactivity: calleeInactivity)
            try await caller.start()
            try await callee.start()
            let incoming = callee.callControl.incomingCalls
            let callerSession = try await caller.callControl.dial(connectionId: 0, destination: "7002")
            let callerLog = SessionLog(callerSession.statusChanges)
            var iterator = incoming.makeAsyncIterator()
            let calleeSession = try #require(await iterator.next())
            let calleeLog = SessionLog(calleeSession.statusChanges)
            try await calleeSession.answer()
            try await callerLog.wait(for: .connected)
            try await calleeLog.wait(for: .connected)
            return PhonePair(
                caller: caller, callee: callee, callerSession: callerSession, calleeSession: calleeSession,
                callerLog: callerLog,
                calleeLog: calleeLog)
        }

        func stop() async {
            _ = try? await callerSession.hangUp()
            await caller.shutdown()
            await callee.shutdown()
        }
    }

    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("sipendpoint-\(UUID().uuidString)-\(name)").path
    }

    /// Waits (bounded) until `condition` holds for the session's statistics.
    static func waitForStatistics(
        _ session: Session, timeout: Duration = .seconds(5), _ condition: (MediaStatistics) -> Bool,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> MediaStatistics {
        let deadline = ContinuousClock.now + timeout
        var last: MediaStatistics?
        while true {  // a look after the last sleep too (EventLog.wait says why)
            if let s = try await session.statistics() {
                last = s
                if condition(s) { return s }
            }
            guard ContinuousClock.now < deadline else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("statistics never matched; last: \(String(describing: last))", sourceLocation: sourceLocation)
        throw CancellationError()
    }

    static func dominantTone(in samples: [Int16], among frequencies: [Double]) -> Double? {
        let powers = frequencies.map { GoertzelDetector(frequency: $0).relativePower(in: samples) }
        guard let best = powers.indices.max(by: { powers[$0] < powers[$1] }), powers[best] > 0.5 else { return nil }
        return frequencies[best]
    }

    @Test func aToneSentByEachPhoneIsRecordedByTheOtherAtItsFrequency() async throws {
        let pair = try await PhonePair.connect(index: 1)
        let callerFile = Self.temporaryPath("caller.wav")
        let calleeFile = Self.temporaryPath("callee.wav")
        defer {
            try? FileManager.default.removeItem(atPath: callerFile)
            try? FileManager.default.removeItem(atPath: calleeFile)
        }
        try await pair.callerSession.play(.tone(frequency: 1000))
        try await pair.calleeSession.play(.tone(frequency: 600))
        try await pair.callerSession.record(to: callerFile)
        try await pair.calleeSession.record(to: calleeFile)
        // A second of audio into each recording.
        let calleeStart = try await pair.calleeSession.statistics()?.packetsReceived ?? 0
        let callerStart = try await pair.callerSession.statistics()?.packetsReceived ?? 0
        _ = try await Self.waitForStatistics(pair.calleeSession) { $0.packetsReceived >= calleeStart + 50 }
        _ = try await Self.waitForStatistics(pair.callerSession) { $0.packetsReceived >= callerStart + 50 }
        try await pair.callerSession.hangUp()
        let end = try await pair.calleeLog.wait(for: .disconnected)
        let final = try #require(end.mediaStatistics, "the last event of a call with media carries its figures")
        #expect(final.packetsReceived >= 50)
        #expect(final.codec == "PCMU")
        await pair.stop()

        let heardByCallee = try WAVFile(contentsOf: calleeFile).samples
        let heardByCaller = try WAVFile(contentsOf: callerFile).samples
        #expect(heardByCallee.count >= 8000 * 3 / 4, "about a second recorded: \(heardByCallee.count) samples")
        let candidates: [Double] = [400, 600, 1000, 1400]
        // The last full second, past the jitter buffer's start.
        #expect(Self.dominantTone(in: Array(heardByCallee.suffix(4000)), among: candidates) == 1000)
        #expect(Self.dominantTone(in: Array(heardByCaller.suffix(4000)), among: candidates) == 600)
    }

    @Test(arguments: [SessionPolicy.DTMFMethod.rfc2833, .info])
    func dtmfTravelsBothWays(method: SessionPolicy.DTMFMethod) async throws {
        let pair = try await PhonePair.connect(index: method == .rfc2833 ? 2 : 3, dtmf: method)
        try await pair.callerSession.sendDTMF("12#")
        try await pair.calleeSession.sendDTMF("9*")
        func digits(_ log: SessionLog) -> [SessionDTMFReceived] {
            log.events.compactMap { if case .dtmfReceived(let d) = $0 { d } else { nil } }
        }
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline, digits(pair.calleeLog).count < 3 || digits(pair.callerLog).count < 2 {
            try await Task.sleep(for: .milliseconds(20))
        }
        let expected: SessionDTMFReceived.Method = method == .rfc2833 ? .rfc2833 : .info
        #expect(digits(pair.calleeLog).map(\.digit) == ["1", "2", "#"])
        #expect(digits(pair.callerLog).map(\.digit) == ["9", "*"])
        #expect(digits(pair.calleeLog).allSatisfy { $0.method == expected })
        #expect(digits(pair.callerLog).allSatisfy { $0.method == expected })
        if method == .rfc2833 {
            let s = try #require(try await pair.callerSession.statistics())
            #expect(s.dtmfSent == 3 && s.dtmfReceived == 2)
        }
        await pair.stop()
    }

    @Test func holdStopsTheMediaAndRetrieveRestartsIt() async throws {
        let pair = try await PhonePair.connect(index: 4)
        _ = try await Self.waitForStatistics(pair.calleeSession) { $0.packetsReceived >= 10 }
        try await pair.callerSession.hold()
        try await pair.callerLog.wait(for: .held)
        try await Task.sleep(for: .milliseconds(200))  // packets already in flight land
        let calleeHeld = try #require(try await pair.calleeSession.statistics())
        let callerHeld = try #require(try await pair.callerSession.statistics())
        try await Task.sleep(for: .milliseconds(400))
        let calleeLater = try #require(try await pair.calleeSession.statistics())
        let callerLater = try #require(try await pair.callerSession.statistics())
        #expect(
            calleeLater.packetsSent == calleeHeld.packetsSent, "held by the caller (recvonly): the callee stops sending"
        )
        #expect(callerLater.packetsSent > callerHeld.packetsSent + 10, "the holder (sendonly) still sends")
        #expect(callerLater.packetsReceived == callerHeld.packetsReceived)

        try await pair.callerSession.retrieve()
        _ = try await Self.waitForStatistics(pair.callerSession) {
            $0.packetsReceived >= callerLater.packetsReceived + 10
        }
        await pair.stop()
    }

    /// A phone registered on `site`, which runs the in-process site's test numbers.
    static func phoneOn(_ site: InProcessSite, inactivity: Duration? = nil) async throws -> Phone {
        var configuration = fastConfiguration([
            ConnectionConfiguration(
                user: "7001", server: ServerAddress(host: "127.0.0.1", port: site.port), password: "pass7001",
                optionsInterval: 0)
        ])
        configuration.endpoint.rtpInactivityTimeout = inactivity
        let phone = Phone.onOwnThread(configuration: configuration)
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await log.wait(connection: 0, status: .ready)
        return phone
    }

    @Test func aCallToTheSitesEchoNumberHearsItsOwnToneBack() async throws {
        let site = try await InProcessSite.start(.init(name: "site-echo"))
        let phone = try await Self.phoneOn(site)
        let session = try await phone.callControl.dial(connectionId: 0, destination: "9000")
        let sessionLog = SessionLog(session.statusChanges)
        try await sessionLog.wait(for: .connected)
        let file = Self.temporaryPath("echo.wav")
        defer { try? FileManager.default.removeItem(atPath: file) }
        try await session.play(.tone(frequency: 1000))
        try await session.record(to: file)
        let first = try await Self.waitForStatistics(session) { $0.packetsReceived >= 10 }
        let later = try await Self.waitForStatistics(session) { $0.packetsReceived >= first.packetsReceived + 60 }
        #expect(later.packetsReceived > first.packetsReceived, "the echo keeps coming")
        #expect(site.mediaCallCount == 1)
        try await session.hangUp()
        let end = try await sessionLog.wait(for: .disconnected)
        let final = try #require(end.mediaStatistics)
        #expect(final.packetsReceived >= 70 && final.packetsLost == 0)
        #expect(final.meanOpinionScore > 4)
        let deadline = ContinuousClock.now + .seconds(2)
        while site.mediaCallCount > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(site.mediaCallCount == 0, "the BYE ended the site's echo")
        await phone.shutdown()
        try await site.stop()

        let heard = try WAVFile(contentsOf: file).samples
        #expect(heard.count >= 8000, "at least a second recorded")
        #expect(Self.dominantTone(in: Array(heard.suffix(4000)), among: [400, 600, 1000, 1400]) == 1000)
    }

    @Test func aCallWhoseMediaStopsArrivingEndsWithAMediaTimeout() async throws {
        // Site 9001 answers with SDP but sends no RTP: the media path of a dead site.
        let site = try await InProcessSite.start(.init(name: "site-media"))
        let phone = try await Self.phoneOn(site, inactivity: .seconds(1))
        let session = try await phone.callControl.dial(connectionId: 0, destination: "9001")
        let sessionLog = SessionLog(session.statusChanges)
        let connected = try await sessionLog.wait(for: .connected)
        let end = try await sessionLog.wait(for: .disconnected, timeout: .seconds(5))
        #expect(end.reason.kind == .mediaTimeout)
        #expect(end.reason.text.contains("rtp_inactivity_timeout"))
        let lasted = end.time.timeIntervalSince(connected.time)
        #expect(lasted >= 0.9 && lasted < 5, "ended about 1 s after the media stopped: \(lasted) s")
        #expect((end.mediaStatistics?.packetsSent ?? 0) > 0, "we sent, nothing came back")
        await phone.shutdown()
        try await site.stop()
    }

    @Test func theCallsFiguresReachSwiftMetricsWhenItEnds() async throws {
        let metrics = TestMetrics()
        let pair = try await PhonePair.connect(index: 6, callerMetrics: metrics)
        _ = try await Self.waitForStatistics(pair.callerSession) { $0.packetsReceived >= 25 }
        #expect(try metrics.expectMeter("sipendpoint_media_sessions").lastValue == 1, "one call carries media")
        try await pair.callerSession.hangUp()
        let end = try await pair.callerLog.wait(for: .disconnected)
        let final = try #require(end.mediaStatistics)
        #expect(try metrics.expectCounter("sipendpoint_rtp_packets_sent_total").totalValue == Int64(final.packetsSent))
        #expect(
            try metrics.expectCounter("sipendpoint_rtp_packets_received_total").totalValue
                == Int64(final.packetsReceived))
        #expect(try metrics.expectCounter("sipendpoint_rtp_octets_sent_total").totalValue == Int64(final.octetsSent))
        #expect(try metrics.expectRecorder("sipendpoint_call_mos").values == [final.meanOpinionScore])
        #expect(final.meanOpinionScore > 4, "a clean loopback path")
        #expect(try metrics.expectMeter("sipendpoint_media_sessions").lastValue == 0)
        await pair.stop()
    }

    @Test func earlyMediaIsHeardBeforeTheAnswerAndCarriesOnAfterIt() async throws {
        // 183 with the SDP answer and the echo running, 200 OK 8 s later: the test suite starts a hundred
        // tests at once, and on two cores the first packets of the echo can take seconds to come back.
        let site = try await InProcessSite.start(
            .init(name: "site-early", testNumbers: ["9183": .earlyMedia(ringing: .seconds(8))]))
        let phone = Phone.onOwnThread(
            configuration: fastConfiguration([
                ConnectionConfiguration(
                    user: "7001", server: ServerAddress(host: "127.0.0.1", port: site.port), password: "pass7001",
                    optionsInterval: 0)
            ]))
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        try await log.wait(connection: 0, status: .ready)
        let session = try await phone.callControl.dial(connectionId: 0, destination: "9183")
        try await session.play(.tone(frequency: 700))
        let sessionLog = SessionLog(session.statusChanges)
        try await sessionLog.wait(for: .alerting)
        let early = try await Self.waitForStatistics(session, timeout: .seconds(6)) { $0.packetsReceived >= 5 }
        #expect(session.status == .alerting, "the echo came back before the answer: \(early.packetsReceived) packets")
        try await sessionLog.wait(for: .connected, timeout: .seconds(12))
        let afterAnswer = try await Self.waitForStatistics(session) { $0.packetsReceived >= early.packetsReceived + 25 }
        #expect(afterAnswer.packetsLost == 0, "the same stream goes on across the 200")
        #expect(afterAnswer.discardedPackets == 0)
        try await session.hangUp()
        _ = try await sessionLog.wait(for: .disconnected)
        await phone.shutdown()
        try await site.stop()
    }

    @Test func aDialThatFailsOverAfterEarlyMediaTalksToTheSecondSite() async throws {
        // Site A plays early media, then refuses with 503: the dial fails over to site B, which answers
        // and echoes. Media must follow: paused when A's attempt ends, then to B's answer.
        let sites = try await CallControlTests.TwoSites.start(
            a: ["9300": .earlyMedia(ringing: .milliseconds(400), final: 503)], b: ["9300": .answer()])
        let session = try await sites.phone.callControl.dial(connectionId: 0, destination: "9300")
        let log = SessionLog(session.statusChanges)
        let early = try await Self.waitForStatistics(session, timeout: .seconds(3)) { $0.packetsReceived >= 5 }
        try await log.wait(for: .connected)
        #expect(log.failovers.count == 1 && log.failovers.first?.toConnectionId == 1)
        #expect(sites.a.mediaCallCount == 0, "site A's echo closed with its 503")
        let later = try await Self.waitForStatistics(session) { $0.packetsReceived >= early.packetsReceived + 25 }
        #expect(later.packetsSent > early.packetsSent + 20, "we send to site B now")
        #expect(sites.b.mediaCallCount == 1)
        try await session.hangUp()
        try await log.wait(for: .disconnected)
        try await sites.stop()
    }

    @Test(arguments: [InProcessSite.CallOffer.echo, .late])
    func anIncomingCallCarriesMediaWithAnOfferInTheInviteOrInOurAnswer(offer: InProcessSite.CallOffer) async throws {
        // .late: the INVITE has no SDP (a 3pcc server's habit); we offer in the 200, the site answers in the ACK.
        let site = try await InProcessSite.start(.init(name: "site-in-\(offer)"))
        let phone = Phone.onOwnThread(
            configuration: fastConfiguration([
                ConnectionConfiguration(
                    user: "7001", server: ServerAddress(host: "127.0.0.1", port: site.port), password: "pass7001",
                    optionsInterval: 0)
            ]))
        let log = EventLog(phone.connectionManager.statusChanges)
        let incoming = phone.callControl.incomingCalls
        try await phone.start()
        try await log.wait(connection: 0, status: .ready)
        async let code = site.call("7001", offer: offer)
        var iterator = incoming.makeAsyncIterator()
        let session = try #require(await iterator.next())
        let sessionLog = SessionLog(session.statusChanges)
        try await session.play(.tone(frequency: 500))
        try await session.answer()
        #expect(try await code == 200)
        try await sessionLog.wait(for: .connected)
        let s = try await Self.waitForStatistics(session) { $0.packetsReceived >= 25 }
        #expect(s.discardedPackets == 0)
        #expect(site.mediaCallCount == 1, "the site's echo runs for this call")
        try await session.hangUp()
        let end = try await sessionLog.wait(for: .disconnected)
        #expect((end.mediaStatistics?.packetsReceived ?? 0) >= 25)
        let deadline = ContinuousClock.now + .seconds(3)
        while site.mediaCallCount > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(site.mediaCallCount == 0, "our BYE ended the site's media")
        await phone.shutdown()
        try await site.stop()
    }

    @Test func aReinviteWithoutAnOfferGetsOursAndKeepsTheCallAsItWas() async throws {
        let site = try await InProcessSite.start(.init(name: "site-reinvite"))
        let phone = Phone.onOwnThread(
            configuration: fastConfiguration([
                ConnectionConfiguration(
                    user: "7001", server: ServerAddress(host: "127.0.0.1", port: site.port), password: "pass7001",
                    optionsInterval: 0)
            ]))
        let log = EventLog(phone.connectionManager.statusChanges)
        let incoming = phone.callControl.incomingCalls
        try await phone.start()
        try await log.wait(connection: 0, status: .ready)
        async let code = site.call("7001", offer: .echo)
        var iterator = incoming.makeAsyncIterator()
        let session = try #require(await iterator.next())
        let sessionLog = SessionLog(session.statusChanges)
        try await session.answer()
        #expect(try await code == 200)
        _ = try await Self.waitForStatistics(session) { $0.packetsReceived >= 10 }

        // Held by us, then the server re-points media with an empty re-INVITE: our offer keeps the hold.
        try await session.hold()
        try await sessionLog.wait(for: .held)
        #expect(try await site.reinviteWithoutOffer() == 200, "we offered in the 200 and the site could answer it")
        try await Task.sleep(for: .milliseconds(300))
        let held = try #require(try await session.statistics())
        try await Task.sleep(for: .milliseconds(300))
        let stillHeld = try #require(try await session.statistics())
        #expect(session.status == .held)
        #expect(stillHeld.packetsReceived == held.packetsReceived, "the echo answered recvonly to our sendonly")

        try await session.retrieve()
        _ = try await Self.waitForStatistics(session) { $0.packetsReceived >= stillHeld.packetsReceived + 10 }
        #expect(try await site.reinviteWithoutOffer() == 200)
        let after = try await Self.waitForStatistics(session) { $0.packetsReceived >= stillHeld.packetsReceived + 40 }
        #expect(session.status == .connected)
        #expect(after.discardedPackets == 0)
        try await session.hangUp()
        await phone.shutdown()
        try await site.stop()
    }

    @Test func playingAFileThatCannotBeReadFailsAtOnce() async throws {
        let pair = try await PhonePair.connect(index: 5)
        await #expect(throws: SipEndpointError.self) {
            try await pair.callerSession.play(.file(path: "/nonexistent/prompt.wav"))
        }
        await pair.stop()
    }
}
