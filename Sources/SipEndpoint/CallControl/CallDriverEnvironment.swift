import Foundation
import NIOCore
import SIPCore
import SIPMedia
import SIPTransport
import SIPUserAgent

/// What the call driver needs from its phone, given as one explicit value: the configuration, the
/// loop, the media resources, and eleven questions about connections (asked as closures the phone
/// supplies). The driver holds no reference to the phone, so neither owns the other twice.
struct CallDriverEnvironment {
    /// The questions about connections a call asks, by connection id. The phone answers them from
    /// its records and its registration engine.
    struct Connections {
        var configuration: (Int) -> ConnectionConfiguration?
        /// The DN of the connection (its line).
        var user: (Int) -> String?
        /// Whether the connection is `failed` now (its site stopped answering).
        var hasFailed: (Int) -> Bool
        /// The caller identity of calls through the connection.
        var localParty: (Int) -> LocalParty?
        var credentials: (Int) -> DigestCredentials?
        var realmPolicy: (Int) -> DigestRealmPolicy
        /// The server target the connection's registration uses now.
        var currentTarget: (Int) -> SIPTransportTarget?
        /// The connections of a line as the dial failover rule sees them when a dial starts.
        var dialCandidates: (Int) -> [DialFailoverMachine.Candidate]
        /// The `index`-th server target of a dial on the connection (resolving its site if needed).
        var target: (_ connectionId: Int, _ index: Int) -> EventLoopFuture<SIPTransportTarget>
        /// A dial's attempt failed on the connection (and, when known, its server target): probe it now.
        var trouble: (_ connectionId: Int, _ target: SIPTransportTarget?) -> Void
        /// The address the calls' media binds to and announces.
        var localHostAddress: () -> String
    }

    let configuration: SipEndpointConfiguration
    let eventLoop: any EventLoop
    /// Drives the RTP of every call, on `eventLoop`.
    let mediaClock: MediaClock
    /// The calls' RTP/RTCP port pairs, kept open between calls, on `eventLoop`.
    let mediaPorts: MediaPortPool
    /// The RTCP CNAME of every stream (RFC 7022 §4.2).
    let mediaCNAME: String
    let mediaMetrics: MediaMetrics
    /// `srtp_key_log`, when set and writable.
    let srtpKeyLog: SRTPKeyLog?
    let connections: Connections

    var localHostAddress: String { connections.localHostAddress() }
    func connectionConfiguration(_ id: Int) -> ConnectionConfiguration? { connections.configuration(id) }
    func user(of id: Int) -> String? { connections.user(id) }
    func connectionHasFailed(_ id: Int) -> Bool { connections.hasFailed(id) }
    func localParty(for id: Int) -> LocalParty? { connections.localParty(id) }
    func credentials(for id: Int) -> DigestCredentials? { connections.credentials(id) }
    func realmPolicy(for id: Int) -> DigestRealmPolicy { connections.realmPolicy(id) }
    func currentTarget(for id: Int) -> SIPTransportTarget? { connections.currentTarget(id) }
    func dialCandidates(line id: Int) -> [DialFailoverMachine.Candidate] { connections.dialCandidates(id) }
    func target(for id: Int, index: Int) -> EventLoopFuture<SIPTransportTarget> { connections.target(id, index) }
    func connectionTrouble(_ id: Int, target: SIPTransportTarget?) { connections.trouble(id, target) }
    func destinationURI(_ destination: String, for c: ConnectionConfiguration) -> SIPURI? {
        DestinationURI.make(destination, for: c)
    }
}

/// `9000` → `sip:9000@<the connection's domain>`; a full `sip:`/`sips:`/`tel:` URI as given; nil for
/// anything else.
enum DestinationURI {
    static func make(_ destination: String, for c: ConnectionConfiguration) -> SIPURI? {
        let trimmed = trimmed(destination)
        if trimmed.utf8.contains(UInt8(ascii: ":")), let uri = try? SIPURI(trimmed) { return uri }
        guard !trimmed.isEmpty,
            trimmed.utf8.allSatisfy({ $0 > 0x20 && $0 != UInt8(ascii: "@") && $0 != UInt8(ascii: ":") })
        else {
            return nil
        }
        return SIPURI(user: trimmed, host: c.effectiveDomain)
    }

    /// `destination` without surrounding white space. A number as dialled has none, and is returned
    /// as it is without Foundation's character-set machinery (a dial's most costly step after the
    /// INVITE itself, when every dial went through it).
    private static func trimmed(_ destination: String) -> String {
        let bytes = destination.utf8
        guard let first = bytes.first, let last = bytes.last else { return destination }
        func plain(_ byte: UInt8) -> Bool { byte > 0x20 && byte < 0x80 }
        if plain(first) && plain(last) { return destination }
        return destination.trimmingCharacters(in: .whitespaces)
    }
}
