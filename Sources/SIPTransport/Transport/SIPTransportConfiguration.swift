import NIOCore
import SIPCore

/// How a ``SIPTransportLayer`` listens, trusts and keeps its flows alive.
public struct SIPTransportConfiguration: Sendable {
    /// One socket to listen on.
    public struct Listener: Sendable, Hashable {
        /// The transport of this socket: UDP, TCP, or TLS (which needs ``TLS/certificateChainFile``).
        public var transport: SIPTransportProtocol
        /// Local IP address to bind (`0.0.0.0` or `::` for every interface). Default: 127.0.0.1.
        public var host: String
        /// Local port; 0 asks the system for any free port. Default: 0.
        public var port: Int

        /// A listener for `transport` on `host` (default `127.0.0.1`; give an IP address) and `port`
        /// (default 0: any free port, read back from the transport layer once started).
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

        /// TLS settings: `trustRoots` (default `.system`), `verifiesCertificates` (default true),
        /// `certificateChainFile` and `privateKeyFile` (PEM paths, default nil: no certificate of our own, so no TLS
        /// listener). Files are read when the transport layer starts; a bad one fails it with
        /// ``SIPTransportError/Code/tlsConfigurationInvalid``.
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
    /// Outgoing TCP/TLS connections need no listener, but leave from the host of the first listener of the
    /// target's address family when that host is a specific address (not `0.0.0.0` or `::`), so that a
    /// configured local address binds every socket. A loopback host is not used toward an address off
    /// the host, which it could never reach. Default: UDP and TCP on 127.0.0.1, any free port.
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
    /// Bounds on what the parser accepts from the network. A UDP datagram is received whole up to
    /// ``SIPParserLimits/maximumMessageSize`` bytes (at most 65,535; IPv4 carries at most 65,507 in one
    /// datagram); a longer one is rejected as too large, never cut. Default: ``SIPParserLimits/default``.
    public var limits: SIPParserLimits
    /// Most TCP/TLS connections one remote IP address may hold open to our listeners, unless it is
    /// privileged (``SIPTransportLayer/setPrivilegedAddresses(_:)``); more are closed as they are
    /// accepted, so one scanner cannot take every socket. Connections we opened never count. Default: 16.
    public var maxInboundConnectionsPerAddress: Int
    /// Most TCP/TLS connections others may hold open to our listeners, all addresses together; more are
    /// closed as they are accepted. Connections we opened never count. Default: 1,024.
    public var maxInboundConnections: Int
    /// How many of ``maxInboundConnections`` only privileged addresses (the sites) may use, so that a
    /// flood from many addresses cannot lock the sites out. Default: 64.
    public var reservedPrivilegedConnections: Int
    /// A message on a connection others opened must be complete within this time of its first byte,
    /// else the connection is closed (a peer dribbling bytes to hold it open); on TLS the handshake must
    /// also complete within this time of the accept. Idle flows and CRLF keep-alives (RFC 5626 §4.4)
    /// are not affected, nor are connections we opened. Default: 10 seconds.
    public var partialMessageTimeout: TimeAmount
    /// Whether a malformed request from an address that is not privileged gets its 400. A phone that
    /// drops strangers' requests unanswered turns this off, so a scanner's broken probe learns nothing
    /// either; the sites always get their 400. Default: true.
    public var answersMalformedRequestsFromStrangers: Bool = true

    /// A configuration with each default as documented on its property; pass only what to change. ``trace``
    /// (default nil) and ``answersMalformedRequestsFromStrangers`` (default true) are not parameters here:
    /// set them on the value afterwards.
    public init(
        listeners: [Listener] = [Listener(.udp), Listener(.tcp)],
        tls: TLS = TLS(),
        keepAliveInterval: TimeAmount? = .seconds(30),
        keepAlivePongTimeout: TimeAmount = .seconds(10),
        idleConnectionTimeout: TimeAmount? = .seconds(300),
        connectTimeout: TimeAmount = .seconds(5),
        limits: SIPParserLimits = .default,
        maxInboundConnectionsPerAddress: Int = 16,
        maxInboundConnections: Int = 1_024,
        reservedPrivilegedConnections: Int = 64,
        partialMessageTimeout: TimeAmount = .seconds(10)
    ) {
        self.listeners = listeners
        self.tls = tls
        self.keepAliveInterval = keepAliveInterval
        self.keepAlivePongTimeout = keepAlivePongTimeout
        self.idleConnectionTimeout = idleConnectionTimeout
        self.connectTimeout = connectTimeout
        self.limits = limits
        self.maxInboundConnectionsPerAddress = maxInboundConnectionsPerAddress
        self.maxInboundConnections = maxInboundConnections
        self.reservedPrivilegedConnections = reservedPrivilegedConnections
        self.partialMessageTimeout = partialMessageTimeout
    }

    var parserOptions: SIPParserOptions { SIPParserOptions(limits: limits) }
}
