import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SIPCore
import SIPMedia
import SIPTransaction
import SIPTransport
import SIPUserAgent

/// A whole SIP site in the test process, on its own event loop and loopback port: a registrar that
/// challenges with digest and checks the answer (RFC 7616 via `DigestVerifier`), answers OPTIONS, and
/// serves test numbers (answer with an echo of the caller's RTP, reject with a code, stay silent).
/// It can die (its sockets close and nothing answers) and come back on the same port, which is what
/// the failover tests and the QuickStart demo need, or hang with its port bound (``freeze()``). Built on the SDK's own transaction layer, so it
/// retransmits and absorbs retransmissions like a real server.
public final class InProcessSite: Sendable {
    /// What the site does with a new INVITE whose Request-URI user is one of its
    /// ``Configuration/testNumbers``; an INVITE to any other number gets 404 (the site does not route
    /// calls to its registered users).
    public enum TestNumber: Sendable, Hashable {
        /// 180 Ringing, then 200 OK with an SDP answer (RFC 3264, to the INVITE's offer) after `ringing`;
        /// BYE is answered and ends the media.
        case answer(ringing: Duration = .milliseconds(100), media: AnswerMedia = .echo)
        /// Early media: 183 Session Progress with the SDP answer and the echo running at once (an IVR
        /// prompt or a network's ringback before the answer), then after `ringing` the final response
        /// `final`: 200 OK with the same answer, or a failure that ends the media.
        case earlyMedia(ringing: Duration = .milliseconds(600), final: Int = 200)
        /// A final response with this code.
        case reject(Int)
        /// The INVITE is absorbed by its transaction and never answered.
        case silent
    }

    /// What an answered test number does with RTP.
    public enum AnswerMedia: Sendable, Hashable {
        /// Sends back what it receives (about 60 ms later), on real ports reserved on the site's host.
        case echo
        /// Answers with SDP for ports it holds but sends nothing and reads nothing: the media path of
        /// a dead site, for `rtp_inactivity_timeout`.
        case none
    }

    /// Who the site is and what it serves; fixed once the site is started (kill and revive keep it).
    public struct Configuration: Sendable {
        /// Name used in logs and the realm. Default: "site".
        public var name: String
        /// Loopback address to bind. Default: 127.0.0.1.
        public var host: String
        /// UDP port; 0 = any free port (kept when the site comes back). Default: 0.
        public var port: Int
        /// Users and their passwords; a REGISTER from anyone else gets 403. Default: 7001…7010 / pass7001….
        public var users: [String: String]
        /// Numbers the site answers itself. Default: 9000 answers and echoes, 9001 answers with no RTP,
        /// 9183 plays early media (183 with the echo running, 200 after 600 ms),
        /// 9486 busy, 9408, 9503, 9999 silent.
        public var testNumbers: [String: TestNumber]
        /// How long the site waits before its final response to a re-INVITE or a BYE within a call (a
        /// slow peer). Default: none.
        public var inDialogAnswerDelay: Duration = .zero

        /// A site named `name` (default `site`) on `host` (default `127.0.0.1`, an IP literal) and UDP `port`
        /// (default 0: any free port), with registrable `users` (default 7001…7010, password `pass` + the
        /// number) and `testNumbers` (default 9000, 9001, 9183, 9486, 9408, 9503, 9999 as listed on
        /// ``testNumbers``).
        public init(
            name: String = "site", host: String = "127.0.0.1", port: Int = 0,
            users: [String: String] = Dictionary(uniqueKeysWithValues: (7001...7010).map { ("\($0)", "pass\($0)") }),
            testNumbers: [String: TestNumber] = [
                "9000": .answer(), "9001": .answer(media: .none), "9183": .earlyMedia(), "9486": .reject(486),
                "9408": .reject(408), "9503": .reject(503), "9999": .silent,
            ]
        ) {
            self.name = name
            self.host = host
            self.port = port
            self.users = users
            self.testNumbers = testNumbers
        }
    }

    struct State {
        var layer: SIPTransactionLayer?
        var port: Int
        var bindings: [String: SIPURI] = [:]
        var registerCount = 0
        var invites: [SIPMessage] = []
        var inviteArrivals: [ContinuousClock.Instant] = []
        var byeCount = 0
        var calls: [String: SIPReceivedMessage] = [:]
        /// The media of answered calls, by Call-ID; touched on the site's loop only.
        var media: [String: SiteCallMedia] = [:]
        /// Calls CANCELled while ringing, so their late 200 task opens no media.
        var cancelled: Set<String> = []
        /// The dialog of the last answered call the site placed, for ``reinviteWithoutOffer()``.
        var lastPlaced: PlacedCall?
        var stopped = false
        /// While the site is dead: a socket on its port that reads and drops everything, so no other
        /// socket of the machine takes the port before ``revive()`` binds it again.
        var tombstone: (any Channel)?
        /// INVITEs the site sent that await their final response: ended with none when the site dies
        /// (its transaction layer forgets them without a word).
        var awaitingFinal: [UInt64: @Sendable (SIPMessage?) -> Void] = [:]
        var nextAwaitingID: UInt64 = 0
    }

    struct PlacedCall {
        var from: String
        var to: String
        var callID: String
        var remoteTarget: SIPURI
        var target: SIPTransportTarget
        var sequence: Int
    }

    /// The configuration the site was started with; unchanged by ``kill()`` and ``revive()``.
    public let configuration: Configuration
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    /// The packet clock of the site's one loop, shared by every echo (and kept across kill/revive).
    let mediaClock: MediaClock
    let state: NIOLockedValueBox<State>
    let nonce: String

    private init(configuration: Configuration) {
        self.configuration = configuration
        self.state = NIOLockedValueBox(State(port: configuration.port))
        var random = SystemRandomNumberGenerator()
        self.nonce = SIPIdentifiers.hex(count: 32, using: &random)
        self.mediaClock = MediaClock(eventLoop: group.next())
    }

    /// Starts a site listening on UDP.
    public static func start(_ configuration: Configuration = Configuration()) async throws -> InProcessSite {
        let site = InProcessSite(configuration: configuration)
        try await site.bringUp()
        return site
    }

    /// The site's UDP port on ``Configuration/host``: the configured one, or the one the system chose for 0.
    public var port: Int { state.withLockedValue { $0.port } }
    /// Whether the site is running and answering: true after ``start(_:)`` and ``revive()``, false after
    /// ``kill()``.
    public var isUp: Bool { state.withLockedValue { $0.layer != nil } }
    /// Current registrations: DN → contact.
    public var registrations: [String: SIPURI] { state.withLockedValue { $0.bindings } }
    /// How many REGISTERs arrived (with or without credentials).
    public var registerCount: Int { state.withLockedValue { $0.registerCount } }
    /// Every INVITE that arrived, in order.
    public var invites: [SIPMessage] { state.withLockedValue { $0.invites } }
    /// When each of `invites` reached the site's handler (after the transaction layer parsed it), in
    /// the same order: benchmarks measure how long an INVITE took to leave a phone and arrive.
    public var inviteArrivals: [ContinuousClock.Instant] { state.withLockedValue { $0.inviteArrivals } }
    /// How many BYEs arrived and were answered 200 (retransmissions are absorbed by their transaction).
    public var byeCount: Int { state.withLockedValue { $0.byeCount } }

    /// The fault switch of the running stack (``freeze()``); nil while the site is down.
    var faults: FaultInjectingTransport? {
        state.withLockedValue { $0.layer?.transport as? FaultInjectingTransport }
    }

    /// Calls whose media is open (echoing, or holding its ports for `.none`).
    public var mediaCallCount: Int { state.withLockedValue { $0.media.count } }

    /// The site dies: its SIP stack and RTP sockets close, nothing answers, registrations are forgotten
    /// (a restarted Kamailio keeps none either). Until ``revive()`` its SIP port is held by a socket
    /// that drops everything unanswered, so the port is still free when the site comes back.
    public func kill() async throws {
        try await shutDownStack()
        let port = state.withLockedValue { $0.port }
        // The same race as in revive(): the port may be taken for a moment after the stack let it go.
        var tombstone: (any Channel)?
        for _ in 0..<40 {
            tombstone = try? await DatagramBootstrap(group: group).bind(host: configuration.host, port: port).get()
            if tombstone != nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        state.withLockedValue { $0.tombstone = tombstone }
    }

    private func shutDownStack() async throws {
        let (layer, media, awaiting) = state.withLockedValue {
            s -> (SIPTransactionLayer?, [SiteCallMedia], [@Sendable (SIPMessage?) -> Void]) in
            defer {
                s.layer = nil
                s.bindings = [:]
                s.media = [:]
                s.awaitingFinal = [:]
            }
            return (s.layer, Array(s.media.values), Array(s.awaitingFinal.values))
        }
        for finish in awaiting { finish(nil) }
        try await mediaClock.eventLoop.submit { for m in media { m.close() } }.get()
        try await layer?.shutdown().get()
    }

    /// The site comes back on the same port.
    public func revive() async throws {
        guard !isUp else { return }
        try await releaseTombstone()
        // Between the tombstone's close and the bind another socket of the machine may take the port
        // for a moment (an ephemeral port picked for an outbound socket): try again for a while.
        var attempt = 0
        while true {
            do {
                try await bringUp()
                break
            } catch {
                attempt += 1
                guard attempt < 40 else { throw error }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    private func releaseTombstone() async throws {
        let tombstone = state.withLockedValue { s in
            defer { s.tombstone = nil }
            return s.tombstone
        }
        try await tombstone?.close()
    }

    /// Stops the site for good; safe to call more than once.
    public func stop() async throws {
        guard
            state.withLockedValue({ s in
                defer { s.stopped = true }
                return !s.stopped
            })
        else { return }
        try await shutDownStack()
        try await releaseTombstone()
        try await group.shutdownGracefully()
    }

    private func bringUp() async throws {
        let port = state.withLockedValue { $0.port }
        let transport = SIPTransportLayer(
            configuration: SIPTransportConfiguration(
                listeners: [.init(.udp, host: configuration.host, port: port)], keepAliveInterval: nil),
            eventLoop: group.next())
        let layer = SIPTransactionLayer(transport: FaultInjectingTransport(wrapping: transport))
        try await layer.eventLoop.submit {
            layer.onRequest = { [weak self, weak layer] request in
                guard let self, let layer else { return }
                self.handle(request, on: layer)
            }
        }.get()
        do {
            try await layer.start().get()
        } catch {
            try? await layer.shutdown().get()
            throw error
        }
        let bound = layer.transport.localAddress(for: .udp)?.port ?? port
        state.withLockedValue {
            $0.layer = layer
            $0.port = bound
        }
    }
}
