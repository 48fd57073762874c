import SipEndpoint

/// One line of the effective configuration: a setting under its `SipEndpoint.config` name, with the
/// value the SDK will use (the default when the file does not set it). Passwords are masked.
public struct EffectiveSetting: Sendable, Hashable, Codable {
    /// `Connectivity[0]/server`, `proxies/proxy0/reg_interval`, `policy/endpoint/dns_servers`…
    public var path: String
    /// The value in force, as the file would spell it: flags `1`/`0`, durations in the setting's own unit,
    /// lists comma-separated, usually an empty string for an unset optional, a set password as
    /// ``SipEndpointConfiguration/maskedPassword``.
    public var value: String

    /// A line of setting `path` with `value`, both taken as given (nothing is masked here).
    public init(path: String, value: String) {
        self.path = path
        self.value = value
    }
}

extension SipEndpointConfiguration {
    /// The mask shown instead of a password.
    public static let maskedPassword = "********"

    /// Every setting with the value in force, in the order of the sample file; what
    /// `QuickStart validate` prints. Safe for logs: passwords are masked.
    public var effectiveSettings: [EffectiveSetting] {
        var settings: [EffectiveSetting] = []
        func add(_ path: String, _ value: String) { settings.append(EffectiveSetting(path: path, value: value)) }

        for (id, connection) in connections.enumerated() {
            add("Connectivity[\(id)]/user", connection.user)
            add("Connectivity[\(id)]/server", connection.server.description)
            add(
                "Connectivity[\(id)]/protocol",
                connection.transportFromDNS ? "" : connection.transport.rawValue.uppercased())
            for definition in SettingsCatalogue.all where definition.scope == .connection {
                add("proxies/proxy\(id)/\(definition.name)", definition.show(self, id))
            }
        }
        for definition in SettingsCatalogue.all {
            if case .section(let path) = definition.scope {
                add("\(path)/\(definition.name)", definition.show(self, 0))
            }
        }
        return settings
    }
}
