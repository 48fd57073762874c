import Foundation
import SIPMedia
import SIPTestSupport
import SipEndpoint
import Testing

/// SRTP end to end between two SDK phones (SIP straight from one to the other, RTP on real sockets):
/// every `use_srtp` pairing, and what media does keeping working encrypted.
@Suite("SRTP between two phones")
struct SRTPCallTests {
    struct Pair: Sendable {
        let caller: Phone
        let callee: Phone
        let callerSession: Session
        let callerLog: SessionLog
        let calleeSession: Session?
        let calleeLog: SessionLog?

        func stop() async {
            _ = try? await callerSession.hangUp()
            await caller.shutdown()
            await callee.shutdown()
        }
    }

    /// Two phones on a loopback pair of their own (`127.0.7<index>.1`/`.2`); the callee answers when
    /// the call rings. A call refused before ringing leaves the callee's session nil.
    static func call(
        index: Int, caller callerSRTP: SecurityConfiguration.SRTPUse, callee calleeSRTP: SecurityConfiguration.SRTPUse,
        calleeKeyLog: String? = nil
    ) async throws -> Pair {
        let hostA = "127.0.\(70 + index).1"
        let hostB = "127.0.\(70 + index).2"
        let port = 5180
        func phone(host: String, user: String, peer: String, srtp: SecurityConfiguration.SRTPUse, keyLog: String?)
            -> Phone
        {
            var configuration = fastConfiguration(
                [
                    ConnectionConfiguration(
                        user: user, server: ServerAddress(host: peer, port: port), reregisterInSeconds: 0,
                        optionsInterval: 0)
                ],
                timeoutMs: 2000)
            configuration.endpoint.localAddress = host
            configuration.endpoint.sipPortRange = port...port
            configuration.security.useSRTP = srtp
            configuration.security.srtpKeyLog = keyLog
            return Phone.onOwnThread(configuration: configuration)
        }
        let caller = phone(host: hostA, user: "7001", peer: hostB, srtp: callerSRTP, keyLog: nil)
        let callee = phone(host: hostB, user: "7002", peer: hostA, srtp: calleeSRTP, keyLog: calleeKeyLog)
        try await caller.start()
        try await callee.start()
        let incoming = callee.callControl.incomingCalls
        let callerSession = try await caller.callControl.dial(connectionId: 0, destination: "7002")
        let callerLog = SessionLog(callerSession.statusChanges)
        try await waitUntil { callerLog.statuses.contains { $0.status == .alerting || $0.status == .disconnected } }
        guard callerLog.statuses.contains(where: { $0.status == .alerting }) else {
            return Pair(
                caller: caller, callee: callee, callerSession: callerSession, callerLog: callerLog, calleeSession: nil,
                calleeLog: nil)
        }
        var iterator = incoming.makeAsyncIterator()
        let calleeSession = try #require(await iterator.next())
        let calleeLog = SessionLog(calleeSession.statusChanges)
        try await calleeSession.answer()
        try await callerLog.wait(for: .connected)
        try await calleeLog.wait(for: .connected)
        return Pair(
            caller: caller, callee: callee, callerSession: callerSession, callerLog: callerLog,
            calleeSession: calleeSession,
            calleeLog: calleeLog)
    }

    @Test func mandatoryOnBothSidesCarriesEachTonePlusDTMFHoldAndRetrieveEncrypted() async throws {
        let keyLog = MediaCallTests.temporaryPath("keys.jsonl")
        let callerFile = MediaCallTests.temporaryPath("srtp-caller.wav")
        let calleeFile = MediaCallTests.temporaryPath("srtp-callee.wav")
        defer { for path in [keyLog, callerFile, calleeFile] { try? FileManager.default.removeItem(atPath: path) } }
        let pair = try await Self.call(index: 1, caller: .mandatory, callee: .mandatory, calleeKeyLog: keyLog)
        let callee = try #require(pair.calleeSession)
        let calleeLog = try #require(pair.calleeLog)
        try await pair.callerSession.play(.tone(frequency: 1000))
        try await callee.play(.tone(frequency: 600))
        try await pair.callerSession.record(to: callerFile)
        try await callee.record(to: calleeFile)
        let start = try #require(try await callee.statistics())
        #expect(start.srtpSuite == "AES_CM_128_HMAC_SHA1_80")
        _ = try await MediaCallTests.waitForStatistics(callee) { $0.packetsReceived >= start.packetsReceived + 50 }

        // RFC 4733 digits inside SRTP.
        try await pair.callerSession.sendDTMF("5#")
        try await waitUntil {
            calleeLog.events.filter { if case .dtmfReceived = $0 { true } else { false } }.count >= 2
        }

        // Hold and retrieve: the stream stops and restarts under the same keys (no rekey, no failures).
        try await pair.callerSession.hold()
        try await pair.callerLog.wait(for: .held)
        try await pair.callerSession.retrieve()
        try await waitUntil { pair.callerLog.statuses.last?.status == .connected }
        let resumed = try #require(try await pair.callerSession.statistics())
        _ = try await MediaCallTests.waitForStatistics(pair.callerSession) {
            $0.packetsReceived >= resumed.packetsReceived + 25
        }

        // SRTCP both ways: the caller's SR decrypted by the callee, whose RR (with LSR/DLSR) the caller
        // decrypts into a round-trip time (RFC 3550 §6.4.1), a few report intervals in.
        _ = try await MediaCallTests.waitForStatistics(pair.callerSession, timeout: .seconds(15)) {
            $0.roundTripTimeMilliseconds != nil
        }

        try await pair.callerSession.hangUp()
        let end = try await calleeLog.wait(for: .disconnected)
        let final = try #require(end.mediaStatistics)
        #expect(final.srtpSuite == "AES_CM_128_HMAC_SHA1_80")
        #expect(final.authenticationFailures == 0 && final.replayedPackets == 0 && final.dtmfReceived == 2, "\(final)")
        await pair.stop()

        let candidates: [Double] = [400, 600, 1000, 1400]
        #expect(
            MediaCallTests.dominantTone(
                in: Array(try WAVFile(contentsOf: calleeFile).samples.suffix(4000)), among: candidates) == 1000)
        #expect(
            MediaCallTests.dominantTone(
                in: Array(try WAVFile(contentsOf: callerFile).samples.suffix(4000)), among: candidates) == 600)

        // The callee's key log: one line per direction for the one key pair (hold and retrieve did not rekey).
        let attributes = try FileManager.default.attributesOfItem(atPath: keyLog)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let lines = try String(contentsOfFile: keyLog, encoding: .utf8).split(separator: "\n")
        let entries = try lines.map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String])
        }
        #expect(entries.map { $0["direction"] } == ["send", "receive"], "\(lines)")
        for entry in entries {
            #expect(Set(entry.keys) == ["time", "callID", "direction", "local", "remote", "suite", "key"])
            #expect(entry["suite"] == "AES_CM_128_HMAC_SHA1_80")
            #expect(Data(base64Encoded: entry["key"] ?? "")?.count == 30)
            #expect(
                entry["local"]?.hasPrefix("127.0.71.2:") == true && entry["remote"]?.hasPrefix("127.0.71.1:") == true)
            #expect(entry["callID"]?.isEmpty == false)
        }
    }

    @Test func mandatoryAnswersAnOfferWithoutKeysWith488() async throws {
        let pair = try await Self.call(index: 2, caller: .disabled, callee: .mandatory)
        #expect(pair.calleeSession == nil, "refused before it rang")
        let end = try await pair.callerLog.wait(for: .disconnected)
        #expect(end.reason.statusCode == 488, "\(end.reason)")
        await pair.stop()
    }

    @Test(arguments: [
        (SecurityConfiguration.SRTPUse.optional, SecurityConfiguration.SRTPUse.disabled, nil as String?),
        (.disabled, .optional, nil),
        (.optional, .optional, "AES_CM_128_HMAC_SHA1_80"),
        (.optional, .mandatory, "AES_CM_128_HMAC_SHA1_80"),
    ])
    func optionalIsBestEffort(
        caller: SecurityConfiguration.SRTPUse, callee: SecurityConfiguration.SRTPUse, suite: String?
    ) async throws {
        let index =
            3 + [SecurityConfiguration.SRTPUse.disabled, .optional, .mandatory].firstIndex(of: caller)! * 3
            + [SecurityConfiguration.SRTPUse.disabled, .optional, .mandatory].firstIndex(of: callee)!
        let pair = try await Self.call(index: index % 10, caller: caller, callee: callee)
        let callee = try #require(pair.calleeSession, "the call was refused")
        let s = try await MediaCallTests.waitForStatistics(callee) { $0.packetsReceived >= 10 }
        #expect(s.srtpSuite == suite, "caller \(caller), callee \(callee)")
        #expect(s.authenticationFailures == 0 && s.discardedPackets == 0)
        await pair.stop()
    }

    /// A phone with `use_srtp=mandatory` on in-process sites (their echo answers SRTP offers).
    static func phone(on sites: [InProcessSite]) async throws -> Phone {
        var configuration = fastConfiguration(
            sites.map { site in
                ConnectionConfiguration(
                    user: "7001", server: ServerAddress(host: "127.0.0.1", port: site.port), password: "pass7001",
                    reregisterInSeconds: 60, regInterval: 120, regRetryMax: 300, optionsInterval: 0)
            })
        configuration.security.useSRTP = .mandatory
        let phone = Phone.onOwnThread(configuration: configuration)
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        for id in sites.indices { try await log.wait(connection: id, status: .ready) }
        return phone
    }

    @Test func earlyMediaIsSRTPBeforeTheAnswerAndTheSameStreamAfterIt() async throws {
        let site = try await InProcessSite.start(
            .init(name: "site-srtp-early", testNumbers: ["9183": .earlyMedia(ringing: .seconds(8))]))
        let phone = try await Self.phone(on: [site])
        let session = try await phone.callControl.dial(connectionId: 0, destination: "9183")
        try await session.play(.tone(frequency: 700))
        let log = SessionLog(session.statusChanges)
        try await log.wait(for: .alerting)
        // Eight seconds of ringing: the early stream has to be seen before the site answers, and with a
        // hundred tests starting at once on two cores the first packets can take seconds.
        let early = try await MediaCallTests.waitForStatistics(session, timeout: .seconds(6)) {
            $0.packetsReceived >= 5
        }
        #expect(session.status == .alerting && early.srtpSuite == "AES_CM_128_HMAC_SHA1_80")
        try await log.wait(for: .connected, timeout: .seconds(12))
        let after = try await MediaCallTests.waitForStatistics(session) {
            $0.packetsReceived >= early.packetsReceived + 25
        }
        #expect(after.packetsLost == 0 && after.authenticationFailures == 0 && after.discardedPackets == 0, "\(after)")
        try await session.hangUp()
        _ = try await log.wait(for: .disconnected)
        await phone.shutdown()
        try await site.stop()
    }

    @Test func aDialThatFailsOverAfterEarlyMediaTalksSRTPToTheSecondSiteUnderNewKeys() async throws {
        let a = try await InProcessSite.start(
            .init(name: "site-srtp-a", testNumbers: ["9300": .earlyMedia(ringing: .milliseconds(400), final: 503)]))
        let b = try await InProcessSite.start(.init(name: "site-srtp-b", testNumbers: ["9300": .answer()]))
        let phone = try await Self.phone(on: [a, b])
        let session = try await phone.callControl.dial(connectionId: 0, destination: "9300")
        let log = SessionLog(session.statusChanges)
        let early = try await MediaCallTests.waitForStatistics(session, timeout: .seconds(3)) {
            $0.packetsReceived >= 5
        }
        try await log.wait(for: .connected)
        #expect(log.failovers.count == 1 && log.failovers.first?.toConnectionId == 1)
        let later = try await MediaCallTests.waitForStatistics(session) {
            $0.packetsReceived >= early.packetsReceived + 25
        }
        #expect(later.srtpSuite == "AES_CM_128_HMAC_SHA1_80")
        #expect(later.packetsSent > early.packetsSent + 20, "we send to site B now")
        // Site A's echo, still in flight when B answered, is under the first attempt's keys: whatever
        // of it arrives now fails authentication instead of playing. B's stream never does.
        let settled = try #require(try await session.statistics())
        try await Task.sleep(for: .milliseconds(300))
        let end = try #require(try await session.statistics())
        #expect(
            end.authenticationFailures == settled.authenticationFailures
                && end.packetsReceived > settled.packetsReceived)
        try await session.hangUp()
        try await log.wait(for: .disconnected)
        await phone.shutdown()
        try await a.stop()
        try await b.stop()
    }
}
