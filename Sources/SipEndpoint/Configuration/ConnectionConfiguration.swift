import Foundation
import SIPTransport

/// The transport a connection uses to reach its site: the `protocol=` attribute of its `Connectivity` line
/// (`transport=` is a synonym; `UDP`, `TCP` or `TLS`, any case). The raw value is the lowercase name.
///
/// The SDK's one transport type under the façade's name. UDP requests are retransmitted on timers (T1,
/// see `adaptive_t1`); a TCP or TLS flow is kept alive with CRLF (`keepalive_interval`) and, when it
/// breaks, the connection fails (``ConnectionStatusReason/Kind/flowLost``). TLS checks the server's
/// certificate against `tls_ca_file` (else the system's CAs) unless `tls_verify` is off and sends a
/// client certificate when `tls_cert_file` is set; `use_srtp` `mandatory` wants every connection on TLS
/// (the keys travel in the SDP). Default ports: 5060, 5061 for TLS (``SIPTransportProtocol/defaultPort``).
public typealias SIPTransportKind = SIPTransportProtocol

/// Where a connection's site is: `host[:port]`. A host without a port is located by RFC 3263
/// (NAPTR/SRV, then A/AAAA); a port given means A/AAAA only.
public struct ServerAddress: Sendable, Hashable, CustomStringConvertible, Codable {
    /// Host name, IPv4 address, or IPv6 address without brackets.
    public var host: String
    /// The port, 1–65535; nil when none is given: the host is then located by RFC 3263 (NAPTR/SRV,
    /// then A/AAAA on the transport's ``SIPTransportProtocol/defaultPort``).
    public var port: Int?

    /// Makes an address from its parts, unchecked (``init(_:)`` parses and checks `host[:port]` text).
    /// - Parameters:
    ///   - host: Host name, IPv4 address, or IPv6 address without brackets.
    ///   - port: The port, 1–65535. Default: nil (located by RFC 3263).
    public init(host: String, port: Int? = nil) {
        self.host = host
        self.port = port
    }

    /// Parses `host`, `host:port` or `[ipv6]:port`; nil when it is none of them.
    public init?(_ text: String) {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty else { return nil }
        if t.hasPrefix("[") {
            guard let close = t.firstIndex(of: "]") else { return nil }
            let host = String(t[t.index(after: t.startIndex)..<close])
            let rest = t[t.index(after: close)...]
            guard !host.isEmpty, host.contains(":") else { return nil }
            if rest.isEmpty {
                self.init(host: host)
                return
            }
            guard rest.hasPrefix(":"), let port = Int(rest.dropFirst()), (1...65535).contains(port) else { return nil }
            self.init(host: host, port: port)
            return
        }
        let parts = t.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let hostPart = parts.first, !hostPart.isEmpty,
            hostPart.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_" })
        else { return nil }
        if parts.count == 2 {
            guard let port = Int(parts[1]), (1...65535).contains(port) else { return nil }
            self.init(host: String(hostPart), port: port)
        } else {
            self.init(host: String(hostPart))
        }
    }

    public var description: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return port.map { "\(h):\($0)" } ?? h
    }
}

/// One registration of one line (DN) on one site: a `Connectivity` line of `SipEndpoint.config` and
/// the `proxies/proxyN` section beside it. Two connections with the same DN on two
/// sites are two connections.
public struct ConnectionConfiguration: Sendable, Hashable {
    /// The DN (user part of the address of record). Required.
    public var user: String
    /// The site's registrar / outbound proxy. Required.
    public var server: ServerAddress
    /// Default: UDP.
    public var transport: SIPTransportKind
    /// The configuration names no transport and ``server`` is a host name without a port: when the
    /// connection starts, RFC 3263 §4.1 server location chooses the transport (NAPTR; without NAPTR
    /// records, the first transport whose SRV records exist; else UDP), and ``transport`` becomes it.
    /// Default: false (``transport`` as given).
    public var transportFromDNS = false
    /// Digest password; nil when the site does not challenge. Never logged. Default: nil.
    public var password: String?
    /// Digest user name. Default: nil (the DN).
    public var authUser: String?
    /// Display name in From and Contact. Default: nil.
    public var displayName: String?
    /// Domain of the address of record and the realm of digest. Default: nil (the server host).
    public var domain: String?
    /// `auth_realm`: digest realms besides the domain's that the password answers (RFC 3261 §22.1:
    /// the realm names the protection space). A challenge to a REGISTER from the connection's own
    /// registrar is answered whatever its realm until one realm has been accepted with a 2xx;
    /// after that, and for every other request (INVITE, BYE, re-INVITE, INFO, REFER), only the
    /// effective domain, the realms the registrar accepted and these are answered. `["*"]` answers
    /// any realm (the behaviour before realms were checked; `validate` warns). Default: [] (none).
    public var authRealms: [String]
    /// `require_qop`: refuse a digest challenge without `qop=auth` (RFC 2069-style MD5, which
    /// stock Kamailio sends and which lacks the client nonce that resists chosen-plaintext
    /// attacks, RFC 7616 §5.11). Default: false (such challenges are answered).
    public var requireQop: Bool
    /// `reregister_in_seconds` (alias `reg_timeout`): the registration lifetime asked for, seconds;
    /// 0 = do not register. Default: 3600.
    public var reregisterInSeconds: Int
    /// `reg_interval`: retry back-off base after a failure, seconds (RFC 5626 base-time); 0 means
    /// the default base. No retry is ever scheduled sooner than 1 s after a failure. Default: 30.
    public var regInterval: Int
    /// `reg_retry_max`: back-off cap, seconds; a cap below `reg_interval` is taken as
    /// `reg_interval`. Default: 1800.
    public var regRetryMax: Int
    /// `options_interval`: seconds between OPTIONS health probes (also while failed); 0 = off. A probe
    /// belongs to the site: connections on the same server address share one, and each takes the
    /// site's result. Default: 10.
    public var optionsInterval: Int
    /// `options_failure_threshold`: consecutive failed probes before the connection is failed. Default: 1.
    public var optionsFailureThreshold: Int
    /// `keepalive_interval`: CRLF keep-alive on TCP/TLS, seconds; 0 = off. Default: 30.
    public var keepaliveInterval: Int
    /// `enabled`: whether the connection registers at start. Default: true.
    public var enabled: Bool
    /// `instance_id`: the agent's RFC 5626 `+sip.instance` (a UUID or a `urn:…`), shared by every
    /// connection of the line. The per-connection Contact token derives from it, so a restarted or
    /// re-homed agent registers the same Contact and replaces its old binding instead of leaving a
    /// stale one. Default: nil — derived from the DN and the password when there is one (stable across
    /// restarts, unguessable without the password), else random for the phone's life.
    public var instanceID: String? = nil

    /// Makes one connection's configuration, unchecked (the `SipEndpoint.config` loader checks the
    /// file's values). ``transportFromDNS`` and ``instanceID`` are not parameters: set them afterwards.
    /// - Parameters:
    ///   - user: The DN (`Connectivity user=`). Required.
    ///   - server: The site's registrar / outbound proxy (`Connectivity server=`). Required.
    ///   - transport: `Connectivity protocol=`. Default: `.udp`.
    ///   - password: `password`. Default: nil (the site does not challenge).
    ///   - authUser: `auth_user`. Default: nil (the DN).
    ///   - displayName: `display_name`. Default: nil (none).
    ///   - domain: `domain`. Default: nil (the server host).
    ///   - reregisterInSeconds: `reregister_in_seconds`, seconds; 0 = do not register. Default: 3600.
    ///   - regInterval: `reg_interval`, seconds: the retry back-off base. Default: 30.
    ///   - regRetryMax: `reg_retry_max`, seconds: the back-off cap. Default: 1800.
    ///   - optionsInterval: `options_interval`, seconds between OPTIONS probes; 0 = off. Default: 10.
    ///   - optionsFailureThreshold: `options_failure_threshold`: failed probes in a row that fail the
    ///     connection. Default: 1.
    ///   - keepaliveInterval: `keepalive_interval`, seconds between CRLF keep-alives on TCP/TLS; 0 = off.
    ///     Default: 30.
    ///   - enabled: `enabled`: whether the connection registers at start. Default: true.
    ///   - authRealms: `auth_realm`: extra digest realms the password answers. Default: [] (none).
    ///   - requireQop: `require_qop`: refuse digest challenges without `qop=auth`. Default: false.
    public init(
        user: String, server: ServerAddress, transport: SIPTransportKind = .udp, password: String? = nil,
        authUser: String? = nil, displayName: String? = nil, domain: String? = nil, reregisterInSeconds: Int = 3600,
        regInterval: Int = 30, regRetryMax: Int = 1800, optionsInterval: Int = 10, optionsFailureThreshold: Int = 1,
        keepaliveInterval: Int = 30, enabled: Bool = true, authRealms: [String] = [], requireQop: Bool = false
    ) {
        self.user = user
        self.server = server
        self.transport = transport
        self.password = password
        self.authUser = authUser
        self.displayName = displayName
        self.domain = domain
        self.reregisterInSeconds = reregisterInSeconds
        self.regInterval = regInterval
        self.regRetryMax = regRetryMax
        self.optionsInterval = optionsInterval
        self.optionsFailureThreshold = optionsFailureThreshold
        self.keepaliveInterval = keepaliveInterval
        self.enabled = enabled
        self.authRealms = authRealms
        self.requireQop = requireQop
    }

    /// The back-off base, seconds, that `reg_interval` 0 stands for (RFC 5626 §4.5).
    public static let defaultRegInterval = 30

    /// The domain of the address of record: `domain`, else the server host.
    public var effectiveDomain: String { domain ?? server.host }
    /// The digest user name: `authUser`, else the DN.
    public var effectiveAuthUser: String { authUser ?? user }
}

extension ConnectionConfiguration: CustomStringConvertible {
    /// Safe for logs: the password is masked.
    public var description: String {
        "\(user)@\(server) (\(transport.rawValue))" + (password == nil ? "" : " password=****")
    }
}
