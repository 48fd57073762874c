import SipEndpoint

/// One setting of `SipEndpoint.config`: where it sits, its names, what it accepts, its default, how
/// the loader reads it and how `validate` shows the value in force.
///
/// ``SettingsCatalogue/all`` is the one table of settings. The loader dispatches on it, the effective
/// settings are printed from it, the unknown-setting warnings suggest its names, and a test checks
/// that `SipEndpoint.config.sample` documents each entry with its default and accepted values.
struct SettingDefinition: Sendable {
    /// Where a setting sits.
    enum Scope: Sendable, Hashable {
        /// `proxies/proxyN/NAME`: one value per connection.
        case connection
        /// `DOMAIN/SECTION/NAME` (`policy/endpoint`…): one value for the phone.
        case section(String)

        /// The section path as documentation writes it: `proxies/proxyN` or `policy/endpoint`.
        var path: String {
            switch self {
            case .connection: "proxies/proxyN"
            case .section(let path): path
            }
        }
    }

    /// Reads a setting's value (after `${NAME}` substitution) into the loader's configuration;
    /// the last argument is the connection id (0 for a section setting).
    typealias Load = @Sendable (inout GenesysLayoutLoader, GenesysLayoutLoader.SettingEntry, String, Int) -> Void
    /// The value in force as the file would spell it, for a connection id (0 for a section setting).
    typealias Show = @Sendable (SipEndpointConfiguration, Int) -> String

    var scope: Scope
    /// The name this SDK documents.
    var name: String
    /// Other names accepted for the same setting (the Genesys 8.5 `reg_timeout`…).
    var aliases: [String] = []
    /// The value in force when the file leaves the setting out, as ``show`` prints it for a file
    /// with one `Connectivity user="7001" server="127.0.0.2:5060"` line.
    var defaultValue: String
    /// The default as the sample's comment states it after `Default: `, when it is not
    /// ``defaultValue`` itself (`none`, `the DN (user=)`…).
    var documentedDefault: String?
    /// What a value may be, as the sample's comment states it (`0–2147483647`, `Boolean`…).
    var accepts: String
    var load: Load
    var show: Show

    /// The default in the words of the sample.
    var defaultText: String { documentedDefault ?? defaultValue }
}

extension SettingDefinition {
    /// A connection setting whose value goes through `parse` into `store`; `check` (optional)
    /// runs after a value is taken, for warnings.
    static func connection<T>(
        _ name: String, aliases: [String] = [], default defaultValue: String, documented: String? = nil,
        accepts: String, parse: @escaping @Sendable (String) -> SettingValue.Parsed<T>,
        store: @escaping @Sendable (inout ConnectionConfiguration, T) -> Void,
        check: (@Sendable (inout GenesysLayoutLoader, GenesysLayoutLoader.SettingEntry, T, Int) -> Void)? = nil,
        show: @escaping @Sendable (ConnectionConfiguration) -> String
    ) -> SettingDefinition {
        SettingDefinition(
            scope: .connection, name: name, aliases: aliases, defaultValue: defaultValue,
            documentedDefault: documented, accepts: accepts,
            load: { loader, entry, value, id in
                loader.assign(entry, value, parse) {
                    store(&$0.configuration.connections[id], $1)
                    check?(&$0, entry, $1, id)
                }
            },
            show: { configuration, id in show(configuration.connections[id]) })
    }

    /// A section setting whose value goes through `parse` into `store`; `check` (optional) runs
    /// after a value is taken, for warnings and settings read together.
    static func section<T>(
        _ section: String, _ name: String, default defaultValue: String, documented: String? = nil,
        accepts: String, parse: @escaping @Sendable (String) -> SettingValue.Parsed<T>,
        store: @escaping @Sendable (inout SipEndpointConfiguration, T) -> Void,
        check: (@Sendable (inout GenesysLayoutLoader, GenesysLayoutLoader.SettingEntry, T) -> Void)? = nil,
        show: @escaping @Sendable (SipEndpointConfiguration) -> String
    ) -> SettingDefinition {
        SettingDefinition(
            scope: .section(section), name: name, defaultValue: defaultValue, documentedDefault: documented,
            accepts: accepts,
            load: { loader, entry, value, _ in
                loader.assign(entry, value, parse) {
                    store(&$0.configuration, $1)
                    check?(&$0, entry, $1)
                }
            },
            show: { configuration, _ in show(configuration) })
    }

    /// `1`/`0`, as the effective settings print a boolean.
    static func flag(_ value: Bool) -> String { value ? "1" : "0" }
}

/// Every setting this SDK acts on, in the order of the sample file.
enum SettingsCatalogue {
    static let all: [SettingDefinition] =
        connectionSettings + endpointSettings + failoverSettings + sessionSettings + systemSettings

    /// The connection settings (`proxies/proxyN/…`), by name and alias.
    static let connectionByName: [String: SettingDefinition] = index(all.filter { $0.scope == .connection })

    /// The section settings, by section path, then by name.
    static let sectionsByPath: [String: [String: SettingDefinition]] = {
        var sections: [String: [SettingDefinition]] = [:]
        for definition in all {
            if case .section(let path) = definition.scope { sections[path, default: []].append(definition) }
        }
        return sections.mapValues(index)
    }()

    /// The definition of `name` (or an alias) in section `sectionPath`, `proxies/proxy*` meaning a connection's.
    static func definition(section sectionPath: String, name: String) -> SettingDefinition? {
        sectionPath == "proxies/proxy*" ? connectionByName[name] : sectionsByPath[sectionPath]?[name]
    }

    private static func index(_ definitions: [SettingDefinition]) -> [String: SettingDefinition] {
        var byName: [String: SettingDefinition] = [:]
        for definition in definitions {
            for name in [definition.name] + definition.aliases { byName[name] = definition }
        }
        return byName
    }
}
