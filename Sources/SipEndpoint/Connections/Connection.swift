import Foundation

/// A snapshot of one connection, as ``ConnectionManager/connections`` returns it.
public struct Connection: Sendable, Hashable, Identifiable {
    public var id: Int
    /// The connection's settings as configured (user, server, transport, timers); ``user``, ``server`` and
    /// ``transport`` read from here.
    public var configuration: ConnectionConfiguration
    /// The registration status when the snapshot was taken; ``reason`` says why.
    public var status: ConnectionStatus
    /// Why the status is what it is.
    public var reason: ConnectionStatusReason
    /// The resolved server address in use (`address:port`), when one has been chosen.
    public var target: String?
    /// When the next REGISTER goes out, for a failed connection.
    public var nextRetry: Date?
    /// When the hold-down of a `recovering` connection ends (flap damping).
    public var heldDownUntil: Date?
    /// Whether the connection is enabled (registering or registered) as opposed to disabled.
    public var isEnabled: Bool
    /// The Contact this connection registers (`sip:<DN>-<token>@host:port`): a request addressed to it
    /// reaches this connection whatever address delivers it.
    public var contact: String = ""

    /// The DN the connection registers (`Connectivity` `user`), from ``configuration``.
    public var user: String { configuration.user }
    /// The configured server (host and optional port, before resolution), from ``configuration``; ``target``
    /// is the address actually in use.
    public var server: ServerAddress { configuration.server }
    /// The configured transport (UDP, TCP or TLS), from ``configuration``.
    public var transport: SIPTransportKind { configuration.transport }
}
