/// Where a lab site listens. The two standard sites are `.a` (127.0.0.2) and `.b` (127.0.0.3); the
/// ports are fixed by `Tests/Lab/kamailio/kamailio.cfg`.
public struct KamailioSiteDescriptor: Hashable, Sendable {
    /// Short name used in file names and messages: "A", "B". Default: none.
    public var name: String
    /// IPv4 loopback address the site listens on. Default: none.
    public var host: String
    /// UDP and TCP port. Default: 5060.
    public var port: Int
    /// TLS port. Default: 5061.
    public var tlsPort: Int
    /// DNS names its certificate carries besides its IP address. Default: `["site-<name>.lab.test"]`.
    public var certificateNames: [String]

    public init(name: String, host: String, port: Int = 5060, tlsPort: Int = 5061, certificateNames: [String]? = nil) {
        self.name = name
        self.host = host
        self.port = port
        self.tlsPort = tlsPort
        self.certificateNames = certificateNames ?? ["site-\(name.lowercased()).lab.test"]
    }

    /// Site A: 127.0.0.2, UDP/TCP 5060, TLS 5061.
    public static let a = KamailioSiteDescriptor(name: "A", host: "127.0.0.2")
    /// Site B: 127.0.0.3, UDP/TCP 5060, TLS 5061.
    public static let b = KamailioSiteDescriptor(name: "B", host: "127.0.0.3")

    var fileStem: String { "site-\(name.lowercased())" }
}
