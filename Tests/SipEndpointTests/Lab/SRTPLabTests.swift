import Foundation
import SIPMedia
import SIPTestSupport
import SipEndpoint
import Testing

/// SRTP against the real sites, checked by something that is not us. Two phones in this process,
/// 7001 and 7002, each registered on Kamailio site A over TLS with `use_srtp=mandatory`; 7001 calls
/// 7002 through the site, 7002 answers and plays a 1 kHz tone. Meanwhile `tcpdump` records on `lo`
/// every UDP datagram leaving 7002's RTP port range, so what is checked is what was on the wire:
///
/// - read as G.711, the captured payloads are not the tone (no audio in clear);
/// - `Tests/Lab/srtp/decrypt-pcap.py` decrypts the capture with pylibsrtp (Debian's
///   `python3-pylibsrtp`) and the send key from 7002's `srtp_key_log` alone, and the Goertzel
///   detector finds the 1 kHz tone in what comes out.
///
/// The call itself must be clean too: 7001 hears the tone, nothing fails authentication, and the
/// SDP crossed the site (the SDES keys travel inside TLS, which each hop, the site included, reads).
@Suite(
    "SRTP through a real Kamailio site over TLS, decrypted by pylibsrtp",
    .serialized,
    .enabled(if: labIsRunnable, "Kamailio lab not installed: run Scripts/install-deps"),
    .kamailioSites,
    .timeLimit(.minutes(2))
)
struct SRTPLabTests {
    /// 7002's RTP ports: below Linux's ephemeral range, so nothing else on the machine sends from them.
    static let calleeRTPPorts = 23_000...23_019
    static let talkTime = Duration.milliseconds(2000)

    static func phone(
        user: String, sites: KamailioSites, rtpPorts: ClosedRange<Int>? = nil, keyLog: String? = nil,
        srtp: SecurityConfiguration.SRTPUse = .mandatory, autoAnswer: Bool = false
    ) -> Phone {
        let connection = ConnectionConfiguration(
            user: user, server: ServerAddress(host: KamailioSiteDescriptor.a.host, port: 5061), transport: .tls,
            password: "pass\(user)", reregisterInSeconds: 300, regInterval: 30, regRetryMax: 60, optionsInterval: 30)
        return Phone.onOwnThread(
            configuration: SipEndpointConfiguration(
                connections: [connection],
                endpoint: EndpointPolicy(
                    sipTransactionTimeoutMilliseconds: 2000, rtpPortRange: rtpPorts, localAddress: "127.0.0.1"),
                session: SessionPolicy(autoAnswer: autoAnswer),
                security: SecurityConfiguration(
                    tlsCAFile: sites.certificates.caCertificate.path, useSRTP: srtp, srtpKeyLog: keyLog)))
    }

    @Test(
        "7001 calls 7002 over TLS with use_srtp=mandatory; 7002's RTP on the wire is not G.711 in clear and decrypts, with its key log and pylibsrtp, to the 1 kHz tone"
    )
    func capturedSRTPDecryptsToTheTone() async throws {
        let sites = try #require(KamailioSitesTrait.current, "the sites trait did not start the sites")
        let requirement = LabRequirement.current
        let tcpdump = try #require(requirement.tcpdump), python = try #require(requirement.pylibsrtpPython)
        let work = URL(fileURLWithPath: MediaCallTests.temporaryPath("srtp-lab"), isDirectory: true)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let keyLog = work.appendingPathComponent("7002-keys.jsonl").path
        let capture = work.appendingPathComponent("7002.pcap").path
        let recording = work.appendingPathComponent("7001.wav").path

        // The capture runs from before the call, so it holds the stream from its first packet.
        let dumpLog = work.appendingPathComponent("tcpdump.log")
        let dump = try ChildProcess(
            executable: tcpdump,
            arguments: [
                "-i", "lo", "-U", "-n", "-w", capture,
                "udp and src portrange \(Self.calleeRTPPorts.lowerBound)-\(Self.calleeRTPPorts.upperBound)",
            ],
            log: dumpLog)
        let listening = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < listening,
            !((try? String(contentsOf: dumpLog, encoding: .utf8))?.contains("listening on") ?? false)
        {
            try await Task.sleep(for: .milliseconds(20))
        }

        let caller = Self.phone(user: "7001", sites: sites)
        let callee = Self.phone(user: "7002", sites: sites, rtpPorts: Self.calleeRTPPorts, keyLog: keyLog)
        var callerStatistics: MediaStatistics?
        do {
            let callerEvents = EventLog(caller.connectionManager.statusChanges)
            let calleeEvents = EventLog(callee.connectionManager.statusChanges)
            try await caller.start()
            try await callee.start()
            try await callerEvents.wait(connection: 0, status: .ready, timeout: .seconds(5))
            try await calleeEvents.wait(connection: 0, status: .ready, timeout: .seconds(5))

            let incoming = callee.callControl.incomingCalls
            let session = try await caller.callControl.dial(connectionId: 0, destination: "7002")
            let log = SessionLog(session.statusChanges)
            var iterator = incoming.makeAsyncIterator()
            let answered = try #require(await iterator.next(), "the site did not bring the call to 7002")
            try await answered.play(.tone(frequency: 1000))
            try await answered.answer()
            try await log.wait(for: .connected, timeout: .seconds(5))
            try await session.record(to: recording)
            try await Task.sleep(for: Self.talkTime)
            callerStatistics = try await session.statistics()
            try await session.hangUp()
            try await log.wait(for: .disconnected, timeout: .seconds(3))
        } catch {
            await caller.shutdown()
            await callee.shutdown()
            await dump.terminate(grace: .seconds(2))
            throw error
        }
        await caller.shutdown()
        await callee.shutdown()
        await dump.terminate(grace: .seconds(2))

        // The call was SRTP end to end and clean.
        let heard = try #require(callerStatistics)
        #expect(heard.srtpSuite == "AES_CM_128_HMAC_SHA1_80", "\(heard)")
        #expect(
            heard.packetsReceived >= 50 && heard.authenticationFailures == 0 && heard.discardedPackets == 0, "\(heard)")
        let recorded = try WAVFile(contentsOf: recording).samples
        #expect(MediaCallTests.dominantTone(in: Array(recorded.suffix(4000)), among: [400, 600, 1000, 1400]) == 1000)

        // 7002's key log: its send key, and the port it sent from.
        let entries = try String(contentsOfFile: keyLog, encoding: .utf8).split(separator: "\n").map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String])
        }
        let send = try #require(
            entries.first { $0["direction"] == "send" }, "no send key in \(entries.count) key log lines")
        let key = try #require(send["key"]), suite = try #require(send["suite"])
        let localPort = try #require(send["local"]?.split(separator: ":").last.flatMap { Int($0) })
        #expect(Self.calleeRTPPorts.contains(localPort))

        // An independent implementation decrypts what was on the wire.
        let prefix = work.appendingPathComponent("7002-rtp").path
        let scriptLog = work.appendingPathComponent("decrypt.log")
        let script = LabConfiguration.defaultLabDirectory.appendingPathComponent("srtp/decrypt-pcap.py").path
        let status = try await ChildProcess.run(
            python, [script, capture, String(localPort), suite, key, prefix], log: scriptLog, timeout: .seconds(20))
        let summary = (try? String(contentsOf: scriptLog, encoding: .utf8)) ?? ""
        #expect(status == 0, "decrypt-pcap.py: \(summary)")
        let counts = Dictionary(
            uniqueKeysWithValues: summary.split(whereSeparator: \.isWhitespace).compactMap { pair -> (String, Int)? in
                let parts = pair.split(separator: "=")
                guard parts.count == 2, let value = Int(parts[1]) else { return nil }
                return (String(parts[0]), value)
            })
        let packets = try #require(counts["packets"], "\(summary)"),
            decrypted = try #require(counts["decrypted"], "\(summary)")
        #expect(packets >= 50, "captured \(packets) RTP packets from 7002 in \(Self.talkTime)")
        #expect(decrypted == packets, "every captured packet authenticates under the logged key: \(summary)")
        #expect(counts["payload-type"] == 0, "PCMU inside")

        let codec = G711Codec.pcmu
        let wire = codec.decode(Array(try Data(contentsOf: URL(fileURLWithPath: prefix + ".wire"))))
        let plain = codec.decode(Array(try Data(contentsOf: URL(fileURLWithPath: prefix + ".plain"))))
        let inClear = GoertzelDetector(frequency: 1000).relativePower(in: Array(wire.suffix(8000)))
        #expect(inClear < 0.05, "read as G.711, the wire carries no 1 kHz tone: relative power \(inClear)")
        #expect(MediaCallTests.dominantTone(in: Array(plain.suffix(8000)), among: [400, 600, 1000, 1400]) == 1000)
        let decryptedPower = GoertzelDetector(frequency: 1000).relativePower(in: Array(plain.suffix(8000)))
        print(
            "lab-measure srtp captured=\(packets) decrypted=\(decrypted) suite=\(suite) wire-1kHz=\(String(format: "%.3f", inClear))"
                + " decrypted-1kHz=\(String(format: "%.3f", decryptedPower)) caller-received=\(heard.packetsReceived)")
    }

    /// A third-party caller with no SRTP at all (SIPp as 7003, plain `RTP/AVP`, through site A):
    /// `mandatory` refuses it with 488 before the agent's line rings; `optional` answers it with
    /// plain RTP (no `a=crypto`, `RTP/AVP`).
    @Test(
        "a plain SIPp caller through site A: 488 from 7002 under mandatory, a plain RTP answer under optional",
        arguments: [SecurityConfiguration.SRTPUse.mandatory, .optional])
    func aPlainCaller(policy: SecurityConfiguration.SRTPUse) async throws {
        let sites = try #require(KamailioSitesTrait.current, "the sites trait did not start the sites")
        let callee = Self.phone(user: "7002", sites: sites, srtp: policy, autoAnswer: true)
        let rang = SessionLog(callee.callControl.events)
        let outcome: SIPpUAC.Outcome
        do {
            let events = EventLog(callee.connectionManager.statusChanges)
            try await callee.start()
            try await events.wait(connection: 0, status: .ready, timeout: .seconds(5))
            outcome = try await SIPpUAC.run(
                policy == .mandatory ? .callNotAcceptable : .call, site: .a, user: "7003", password: "pass7003",
                service: "7002",
                timeout: .seconds(10))
        } catch {
            await callee.shutdown()
            throw error
        }
        await callee.shutdown()
        #expect(outcome.succeeded, "SIPp exit \(outcome.exitStatus); messages:\n\(outcome.messages)")
        if policy == .mandatory {
            #expect(rang.statuses.isEmpty, "refused before ringing: \(rang.statuses.map(\.status))")
            #expect(outcome.messages.contains("SIP/2.0 488"))
        } else {
            let answer = try #require(
                outcome.messages.components(separatedBy: "SIP/2.0 200").dropFirst().first,
                "no 200 in \(outcome.messages)")
            #expect(
                answer.contains("m=audio") && answer.contains("RTP/AVP") && !answer.contains("a=crypto"), "\(answer)")
            #expect(rang.statuses.contains { $0.status == .connected })
        }
    }
}
