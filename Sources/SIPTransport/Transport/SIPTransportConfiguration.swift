import NIOCore
import SIPCore

/// How a ``SIPTransportLayer`` listens, trusts and keeps its flows alive.
public struct SIPTransportConfiguration: Sendable {
    /// One socket to listen on.
    public struct Listener: Sendable, Hashable {
        public var transport: SIPTransportProtocol
        /// Local IP address to bind (`0.0.0.0` or `::` for every interface). Default: 127.0.0.1.
        public var host: String
        /// Local port; 0 asks the system for any free port. Default: 0.
        public var port: Int

        public init(_ transport: SIPTransportProtocol, host: String = "127.0.0.1", port: Int = 0) {
            self.transport = transport
            self.host = host
            self.port = port
        }
    }

    /// TLS trust and identity.
    public struct TLS: Sendable, Hashable {
        /// Whose certificates we trust.
        public enum TrustRoots: Sendable, Hashable {
            /// The system's CA store.
            case system
            /// A PEM file of CA certificates (or a directory of them).
            case file(String)
        }

        /// CAs that may sign a server's certificate. Default: `.system`.
        public var trustRoots: TrustRoots
        /// Verify the peer's certificate chain and, as a client, that it names the server
        /// (RFC 5922 §7). Turning this off is for labs only. Default: true.
        public var verifiesCertificates: Bool
        /// PEM certificate chain we present: as a TLS server (required for a TLS listener) and as a
        /// client when the server asks for one. Default: nil.
        public var certificateChainFile: String?
        /// PEM private key of ``certificateChainFile``. Default: nil.
        public var privateKeyFile: String?

        public init(
            trustRoots: TrustRoots = .system, verifiesCertificates: Bool = true,
            certificateChainFile: String? = nil, privateKeyFile: String? = nil
        ) {
            self.trustRoots = trustRoots
            self.verifiesCertificates = verifiesCertificates
            self.certificateChainFile = certificateChainFile
            self.privateKeyFile = privateKeyFile
        }
    }

    /// Sockets to listen on; outgoing UDP leaves from the UDP listener of the target's address family.
    /// Outgoing TCP/TLS connections need no listener. Default: UDP and TCP on 127.0.0.1, any free port.
    public var listeners: [Listener]
    /// TLS trust and identity. Default: ``TLS/init(trustRoots:verifiesCertificates:certificateChainFile:privateKeyFile:)``
    /// with its defaults (system CAs, verification on, no certificate).
    public var tls: TLS
    /// Interval between CRLF keep-alive pings on TCP/TLS flows we opened (RFC 5626 §4.4.1); nil turns
    /// keep-alive off. Default: 30 seconds.
    public var keepAliveInterval: TimeAmount?
    /// Called on the event loop with every message sent and received (for traces); nil = no tracing,
    /// no cost. Default: nil.
    public var trace: (@Sendable (SIPTraceRecord) -> Void)?
    /// How long a ping may wait for its CRLF pong before the flow is declared failed (RFC 5626 §4.4.1
    /// says 10 s). Default: 10 seconds.
    public var keepAlivePongTimeout: TimeAmount
    /// A connection on which nothing at all has been received for this long is closed; nil never closes
    /// one for idleness. Flows with keep-alive on are never idle (pongs arrive). Default: 300 seconds.
    public var idleConnectionTimeout: TimeAmount?
    /// How long a TCP connect (and then the TLS handshake) may take. Default: 5 seconds.
    public var connectTimeout: TimeAmount
    /// Bounds on what the parser accepts from the network (DESIGN.md §6). Default: ``SIPParserLimits/default``.
    public var limits: SIPParserLimits

    public init(
        listeners: [Listener] = [Listener(.udp), Listener(.tcp)],
        tls: TLS = TLS(),
        keepAliveInterval: TimeAmount? = .seconds(30),
        keepAlivePongTimeout: TimeAmount = .seconds(10),
        idleConnectionTimeout: TimeAmount? = .seconds(300),
        connectTimeout: TimeAmount = .seconds(5),
        limits: SIPParserLimits = .default
    ) {
        self.listeners = listeners
        self.tls = tls
        self.keepAliveInterval = keepAliveInterval
        self.keepAlivePongTimeout = keepAlivePongTimeout
        self.idleConnectionTimeout = idleConnectionTimeout
        self.connectTimeout = connectTimeout
        self.limits = limits
    }

    var parserOptions: SIPParserOptions { SIPParserOptions(limits: limits) }
}
