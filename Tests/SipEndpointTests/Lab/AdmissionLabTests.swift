import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SIPCore
import SIPTestSupport
import SIPTransport
import Testing

@testable import SipEndpoint

/// Who may reach the phone, against the real Kamailio sites: 7001 registered on site A (127.0.0.2)
/// and site B (127.0.0.3) over UDP, `auto_answer` on, probes every 2 s; the stranger (a scanner, or an
/// SBC the phone does not know as a site) is 127.0.0.9.
@Suite(
    "Admission against real Kamailio sites",
    .serialized,
    .enabled(if: labIsRunnable, "Kamailio lab not installed: run Scripts/install-deps"),
    .kamailioLab,
    .timeLimit(.minutes(3))
)
struct AdmissionLabTests {
    static let stranger = "127.0.0.9"

    private var lab: KamailioLab {
        get throws { try #require(KamailioLabTrait.current, "the lab trait did not start the lab") }
    }

    static var configuration: SipEndpointConfiguration {
        func connection(_ host: String) -> ConnectionConfiguration {
            ConnectionConfiguration(
                user: "7001", server: ServerAddress(host: host, port: 5060), transport: .udp, password: "pass7001",
                reregisterInSeconds: 300, regInterval: 30, regRetryMax: 60, optionsInterval: 2)
        }
        return SipEndpointConfiguration(
            connections: [connection(KamailioSiteDescriptor.a.host), connection(KamailioSiteDescriptor.b.host)],
            endpoint: EndpointPolicy(sipTransactionTimeoutMilliseconds: 1000, localAddress: "127.0.0.1"),
            failover: FailoverPolicy(inviteTimeoutMilliseconds: 1000),
            session: SessionPolicy(autoAnswer: true))
    }

    /// 10,000 INVITEs in 20 s from one stranger to the agent's number: none is offered to the agent,
    /// none is answered, no connection fails, and a real call through site A right after is answered
    /// within a second; descriptors and memory come back.
    @Test("A scanner's flood of 10,000 INVITEs: no call offered, no connection failed, a real call answered within 1 s")
    func inviteFlood() async throws {
        let lab = try lab
        try await withPhone { phone, log in
            let calls = SessionLog(phone.callControl.events)
            let contact = try SIPURI(try #require(phone.connectionManager.connection(0)?.contact))
            let phoneAddress = try SocketAddress(ipAddress: contact.hostWithoutBrackets, port: contact.port ?? 5060)
            let scanner = try await SIPTestPeer.start(.init(transports: [.udp], host: Self.stranger))
            let scannerPort = try scanner.address(.udp).port ?? 0
            let descriptorsBefore = Self.openDescriptors()
            let residentBefore = Self.residentBytes()
            let eventsBefore = log.events.count

            let target = SIPTransportTarget(transport: .udp, address: phoneAddress)
            let started = ContinuousClock.now
            for batch in 0..<400 {
                for i in 0..<25 {
                    let n = batch * 25 + i
                    _ = try await scanner.send(
                        Self.scannerInvite(
                            to: SIPURI(user: "7001", host: contact.host, port: contact.port), from: Self.stranger,
                            port: scannerPort, number: n),
                        to: target)
                }
                try await Task.sleep(until: started + .milliseconds(50 * (batch + 1)))
            }
            let floodTime = ContinuousClock.now - started

            // Right after: a real call through site A (SIPp as 7003), answered by auto_answer.
            let callStarted = Date()
            let outcome = try await SIPpUAC.run(
                .call, site: .a, user: "7003", password: "pass7003", service: "7001", timeout: .seconds(10),
                configuration: lab.configuration)
            #expect(outcome.succeeded, "SIPp exit \(outcome.exitStatus); messages:\n\(outcome.messages)")
            let connected = try #require(
                calls.statuses.first { $0.status == .connected }, "the real call was not answered")
            let answeredAfter = connected.time.timeIntervalSince(callStarted)
            #expect(answeredAfter < 1.0, "answered \(answeredAfter) s after the call started")
            #expect(connected.connectionId == 0)
            #expect(Set(calls.statuses.map(\.sessionId)).count == 1, "only the real call was offered")

            let duringFlood = log.events.dropFirst(eventsBefore)
            #expect(
                !duringFlood.contains { $0.status == .failed },
                "\(duringFlood.map { "\($0.connectionId) \($0.status) \($0.reason)" })")
            #expect(phone.connectionManager.connections.allSatisfy { $0.status == .ready })
            #expect(scanner.received.isEmpty, "the scanner got \(scanner.received.count) answers")
            try await scanner.stop()
            try await waitUntil(timeout: .seconds(5)) { phone.callControl.sessions.isEmpty }
            let descriptorsAfter = Self.openDescriptors()
            let residentAfter = Self.residentBytes()
            #expect(
                descriptorsAfter <= descriptorsBefore + 16, "descriptors \(descriptorsBefore) → \(descriptorsAfter)")
            #expect(
                residentAfter <= residentBefore + 40 << 20,
                "RSS \(residentBefore >> 20) MiB → \(residentAfter >> 20) MiB")
            print(
                "lab-measure invite-flood sent=10000 seconds=\(Self.format(floodTime)) offered=0 answered-after=\(Self.format(answeredAfter))s fds=\(descriptorsBefore)→\(descriptorsAfter) rss-mib=\(residentBefore >> 20)→\(residentAfter >> 20)"
            )
        }
    }

    /// SIPVicious's svmap, OPTIONS and INVITE, from a stranger's address: the phone is not found,
    /// while the same scan finds site A (the control: the scanner works).
    @Test("svmap from a stranger does not find the phone (and does find site A)", arguments: ["OPTIONS", "INVITE"])
    func svmapFindsNothing(method: String) async throws {
        let lab = try lab
        let svmap = try #require(LabRequirement.current.svmap, "svmap missing: install the sipvicious package")
        try await withPhone { phone, _ in
            let contact = try SIPURI(try #require(phone.connectionManager.connection(0)?.contact))
            let port = contact.port ?? 5060
            let phoneScan = try await Self.scan(
                svmap, host: contact.hostWithoutBrackets, port: port, method: method, lab: lab)
            #expect(
                !phoneScan.contains("\(contact.hostWithoutBrackets):\(port)"), "svmap found the phone:\n\(phoneScan)")
            let siteScan = try await Self.scan(
                svmap, host: KamailioSiteDescriptor.a.host, port: 5060, method: "OPTIONS", lab: lab)
            #expect(
                siteScan.contains("\(KamailioSiteDescriptor.a.host):5060"),
                "control: svmap should find site A:\n\(siteScan)")
            print("lab-measure svmap method=\(method) phone-found=false site-found=true")
        }
    }

    /// An SBC the phone does not know (127.0.0.9) delivers a call to the Contact site A holds for
    /// connection 0: it rings on connection 0, because the Contact's token names it.
    @Test("A call from a non-site address (an SBC) to the Contact site A holds rings on connection 0")
    func callFromAnSBC() async throws {
        var configuration = Self.configuration
        configuration.session.autoAnswer = false
        try await withPhone(configuration) { phone, _ in
            let contact = try SIPURI(try #require(phone.connectionManager.connection(0)?.contact))
            let sbc = try await SIPTestPeer.start(.init(transports: [.udp], host: Self.stranger))
            let incoming = phone.callControl.incomingCalls
            let target = SIPTransportTarget(
                transport: .udp,
                address: try SocketAddress(ipAddress: contact.hostWithoutBrackets, port: contact.port ?? 5060))
            _ = try await sbc.send(
                Self.scannerInvite(to: contact, from: Self.stranger, port: try sbc.address(.udp).port ?? 0, number: 0),
                to: target)
            var iterator = incoming.makeAsyncIterator()
            let session = try #require(await iterator.next())
            #expect(session.connectionId == 0 && session.status == .alerting)
            try await sbc.waitForRecords(timeout: .seconds(3)) { $0.message.statusCode == 180 }
            try await session.reject()
            try await sbc.stop()
        }
    }

    // MARK: Transport bounds, through the phone

    /// A 6,000-byte OPTIONS from site A's address over UDP is received whole and answered 200.
    @Test("A 6,000-byte OPTIONS from the site over UDP gets 200")
    func largeOptionsFromTheSite() async throws {
        try await withPhone { phone, _ in
            let contact = try SIPURI(try #require(phone.connectionManager.connection(0)?.contact))
            let site = try await SIPTestPeer.start(.init(transports: [.udp], host: KamailioSiteDescriptor.a.host))
            let port = try site.address(.udp).port ?? 0
            let options = try SIPMessage(
                parsing: Self.paddedOptions(
                    size: 6_000, to: "sip:7001@\(contact.host):\(contact.port ?? 5060)",
                    from: KamailioSiteDescriptor.a.host,
                    port: port, transport: "UDP", cseq: "1", callID: "big-options"))
            _ = try await site.send(
                options,
                to: SIPTransportTarget(
                    transport: .udp,
                    address: try SocketAddress(ipAddress: contact.hostWithoutBrackets, port: contact.port ?? 5060)))
            let answers = try await site.waitForRecords(timeout: .seconds(3)) { $0.message.statusCode != nil }
            #expect(answers.first?.message.statusCode == 200, "\(answers.map { $0.message.statusCode ?? 0 })")
            try await site.stop()
        }
    }

    /// On one TCP flow from site A's address: a message that frames but does not parse (`CSeq: -1`)
    /// gets 400, and the valid OPTIONS right behind it gets 200 on the same, still open, flow.
    @Test("On TCP a CSeq: -1 message gets 400 and the valid one after it 200, on the same flow")
    func badMessageOnAFlowCostsOnlyItself() async throws {
        try await withPhone { phone, _ in
            let local = try #require(phone.core.transactions.transport.localAddress(for: .tcp))
            let client = try await RawTCP.connect(from: KamailioSiteDescriptor.a.host, to: local)
            let bad = Self.paddedOptions(
                size: 0, to: "sip:7001@127.0.0.1", from: KamailioSiteDescriptor.a.host, port: client.localPort,
                transport: "TCP", cseq: "-1", callID: "bad-cseq")
            let good = Self.paddedOptions(
                size: 0, to: "sip:7001@127.0.0.1", from: KamailioSiteDescriptor.a.host, port: client.localPort,
                transport: "TCP", cseq: "2", callID: "good-cseq")
            try await client.write(bad + good)
            try await waitUntil(timeout: .seconds(3)) { client.text.components(separatedBy: "SIP/2.0 ").count > 2 }
            let statuses = client.text.components(separatedBy: "\r\n").filter { $0.hasPrefix("SIP/2.0 ") }
            #expect(
                statuses.count == 2 && statuses[0].hasPrefix("SIP/2.0 400") && statuses[1].hasPrefix("SIP/2.0 200"),
                "\(statuses)")
            #expect(client.channel.isActive, "the flow stays up")
            try await client.channel.close()
        }
    }

    /// 300 TCP connections from one stranger, each dribbling a byte every 2 s: at most 16 are ever
    /// accepted from one address, and a message that does not complete within 10 s of its first byte
    /// closes its connection; after 24 s at most 16 remain, and the phone stayed ready throughout.
    @Test("300 dribbling TCP connections from one stranger: at most 16 remain after 24 s; the phone stays ready")
    func slowloris() async throws {
        try await withPhone { phone, log in
            let local = try #require(phone.core.transactions.transport.localAddress(for: .tcp))
            let eventsBefore = log.events.count
            var clients: [RawTCP] = []
            for _ in 0..<300 {
                if let client = try? await RawTCP.connect(from: Self.stranger, to: local) { clients.append(client) }
            }
            // The connections over the per-address cap are closed at accept.
            try await waitUntil(timeout: .seconds(3)) { clients.filter { $0.channel.isActive }.count <= 16 }
            let acceptedAtOnce = clients.filter { $0.channel.isActive }.count
            #expect(acceptedAtOnce <= 16, "\(acceptedAtOnce) connections from one stranger accepted")
            let header = Array("OPTIONS sip:7001@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.9".utf8)
            let started = ContinuousClock.now
            var sent = 0
            while ContinuousClock.now < started + .seconds(24) {
                let byte = String(UnicodeScalar(header[sent % header.count]))
                for client in clients where client.channel.isActive { try? await client.write(byte) }
                sent += 1
                try await Task.sleep(until: started + .seconds(2 * sent))
            }
            let open = clients.filter { $0.channel.isActive }.count
            #expect(open <= 16, "\(open) of \(clients.count) connections still open after 24 s")
            let duringAttack = log.events.dropFirst(eventsBefore)
            #expect(
                !duringAttack.contains { $0.status == .failed },
                "\(duringAttack.map { "\($0.connectionId) \($0.status)" })")
            #expect(phone.connectionManager.connections.allSatisfy { $0.status == .ready })
            for client in clients { try? await client.channel.close() }
            print(
                "lab-measure slowloris connections=\(clients.count) open-after-accept=\(acceptedAtOnce) open-after-24s=\(open)"
            )
        }
    }

    /// The password answers only the connection's own realms: site A's own 407 (its realm is the
    /// domain) is answered, the 407 of a hop of another domain behind it (test number 9407) is not.
    @Test("9407 through site A: the foreign realm's 407 ends the call unanswered; only site A's realm got credentials")
    func foreignRealmIsNotAnswered() async throws {
        let trace = FileManager.default.temporaryDirectory.appendingPathComponent(
            "realm-\(UInt32.random(in: 0...UInt32.max)).jsonl")
        let traceFile = try SIPTraceFile(path: trace.path, includeCredentials: true)
        let phone = Phone.onOwnThread(configuration: Self.configuration, trace: traceFile)
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        do {
            try await log.wait(connection: 0, status: .ready, timeout: .seconds(5))
            let session = try await phone.callControl.dial(
                connectionId: 0, destination: SIPpUAS.TestNumber.foreignRealmChallenge.number)
            let calls = SessionLog(session.statusChanges)
            let end = try await calls.wait(for: .disconnected, timeout: .seconds(5))
            #expect(end.reason.statusCode == 407 && end.reason.text.contains("evil.example"), "\(end.reason)")
            #expect(calls.failovers.isEmpty, "407 is not a retry code")
        } catch {
            await phone.shutdown()
            throw error
        }
        await phone.shutdown()
        // Every request we sent, from the trace (one JSON object per message).
        struct Line: Decodable {
            var direction: String
            var message: String
        }
        let lines = ((try? String(contentsOf: trace, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONDecoder().decode(Line.self, from: Data($0.utf8))
        }
        let credentials = lines.filter { $0.direction == "sent" }.flatMap { line in
            line.message.components(separatedBy: "\r\n").filter {
                $0.hasPrefix("Proxy-Authorization:") || $0.hasPrefix("Authorization:")
            }
        }
        #expect(
            credentials.contains { $0.contains("realm=\"\(KamailioSiteDescriptor.a.host)\"") },
            "site A's own challenge was answered: \(credentials)")
        #expect(!credentials.contains { $0.contains("evil.example") }, "\(credentials)")
        try? FileManager.default.removeItem(at: trace)
        print("lab-measure foreign-realm-407 answered=false site-realm-answered=true")
    }

    // MARK: Helpers

    /// An OPTIONS of `size` bytes (padded with a body; 0: no body), Content-Length right.
    static func paddedOptions(
        size: Int, to uri: String, from host: String, port: Int, transport: String, cseq: String, callID: String
    ) -> String {
        func head(_ bodyLength: Int) -> String {
            "OPTIONS \(uri) SIP/2.0\r\nVia: SIP/2.0/\(transport) \(host):\(port);branch=z9hG4bK\(callID);rport\r\n"
                + "Max-Forwards: 70\r\nFrom: <sip:site@\(host)>;tag=r\r\nTo: <\(uri)>\r\n"
                + "Call-ID: \(callID)\r\nCSeq: \(cseq) OPTIONS\r\nContent-Type: text/plain\r\nContent-Length: \(bodyLength)\r\n\r\n"
        }
        guard size > 0 else { return head(0) }
        var bodyLength = size - head(0).utf8.count
        bodyLength = size - head(bodyLength).utf8.count
        return head(bodyLength) + String(repeating: "x", count: bodyLength)
    }

    private func withPhone(
        _ configuration: SipEndpointConfiguration = Self.configuration, _ body: (Phone, EventLog) async throws -> Void
    ) async throws {
        let phone = Phone.onOwnThread(configuration: configuration)
        let log = EventLog(phone.connectionManager.statusChanges)
        try await phone.start()
        do {
            try await log.wait(connection: 0, status: .ready, timeout: .seconds(5))
            try await log.wait(connection: 1, status: .ready, timeout: .seconds(5))
            try await body(phone, log)
        } catch {
            await phone.shutdown()
            throw error
        }
        await phone.shutdown()
    }

    static func scannerInvite(to uri: SIPURI, from host: String, port: Int, number: Int) throws -> SIPMessage {
        let branch = SIPVia.makeBranch()
        return try SIPMessage(
            parsing: """
                INVITE \(uri) SIP/2.0\r
                Via: SIP/2.0/UDP \(host):\(port);branch=\(branch)\r
                Max-Forwards: 70\r
                From: "friendly-scanner" <sip:100@\(host)>;tag=\(number)x\(branch.suffix(6))\r
                To: <\(uri)>\r
                Call-ID: scan-\(number)-\(branch)\r
                CSeq: 1 INVITE\r
                Contact: <sip:100@\(host):\(port)>\r
                User-Agent: friendly-scanner\r
                Content-Type: application/sdp\r
                Content-Length: 76\r
                \r
                v=0\r
                o=- 1 1 IN IP4 \(host)\r
                s=-\r
                c=IN IP4 \(host)\r
                t=0 0\r
                m=audio 4000 RTP/AVP 0\r

                """.replacingOccurrences(of: "Content-Length: 76", with: "Content-Length: \(Self.sdpLength(host))"))
    }

    static func sdpLength(_ host: String) -> Int {
        "v=0\r\no=- 1 1 IN IP4 \(host)\r\ns=-\r\nc=IN IP4 \(host)\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n".utf8.count
    }

    /// svmap's report for one address and port, bound to the stranger's address.
    static func scan(_ svmap: String, host: String, port: Int, method: String, lab: KamailioLab) async throws -> String
    {
        let log = lab.configuration.workDirectory.appendingPathComponent("svmap-\(method)-\(host)-\(port).log")
        try? FileManager.default.removeItem(at: log)
        _ = try await ChildProcess.run(
            svmap, ["-b", Self.stranger, "-p", "\(port)", "-m", method, "-t", "0.5", host], log: log,
            timeout: .seconds(30))
        return (try? String(contentsOf: log, encoding: .utf8)) ?? ""
    }

    static func openDescriptors() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
    }

    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * 4096 : 0
    }

    static func format(_ value: Double) -> String { String(format: "%.2f", value) }
    static func format(_ duration: Duration) -> String {
        String(format: "%.2f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}

/// A raw TCP client bound to a chosen loopback address: what it receives, as text.
final class RawTCP: Sendable {
    final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received = NIOLockedValueBox("")
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            received.withLockedValue { $0 += String(buffer: buffer) }
        }
    }

    let channel: any Channel
    let collector: Collector

    init(channel: any Channel, collector: Collector) {
        self.channel = channel
        self.collector = collector
    }

    static func connect(from host: String, to address: SocketAddress) async throws -> RawTCP {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(to: try SocketAddress(ipAddress: host, port: 0))
            .channelInitializer { $0.pipeline.addHandler(collector) }
            .connect(to: address).get()
        return RawTCP(channel: channel, collector: collector)
    }

    var localPort: Int { channel.localAddress?.port ?? 0 }
    var text: String { collector.received.withLockedValue { $0 } }

    func write(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text)).get()
    }
}
