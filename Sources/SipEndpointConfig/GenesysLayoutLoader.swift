import Foundation
import SipEndpoint

/// Walks the element tree of a Genesys-layout `SipEndpoint.config` into a
/// ``SipEndpointConfiguration``, collecting every error and warning instead of stopping at the first.
///
/// ```
/// SipEndpoint
/// ├─ Container name="Basic"
/// │  └─ Connectivity user= server= protocol=      connection id = 0-based position
/// └─ Container name="Genesys"
///    └─ settings
///       └─ domain name=                          policy, proxies, system, codecs
///          └─ section name=  (nests: proxies/proxy0/nat)
///             └─ setting name= value=
/// ```
///
/// The Basic containers are read before the Genesys ones whatever their order in the file, so a
/// `proxyN` can always be checked against the `Connectivity` lines.
struct GenesysLayoutLoader {
    let file: String
    let environment: [String: String]
    /// The configuration read so far; the catalogue's entries store into it.
    var configuration = SipEndpointConfiguration()
    /// Paths of the settings given a value that was taken (``LoadedConfiguration/given``).
    private(set) var given: Set<String> = []
    private(set) var errors: [ConfigurationIssue] = []
    private(set) var warnings: [ConfigurationIssue] = []

    /// `Connectivity` lines read so far (valid or not: a broken line still holds its connection id,
    /// so the settings of its `proxyN` are still checked).
    private var connectivityCount = 0
    /// Setting key (its path, alias resolved) → where it was first set, for duplicates.
    private var firstSeen: [String: SettingEntry] = [:]
    /// Settings checked together once all are read (`sip_port_min` with `sip_port_max`…), by path.
    var pairValues: [String: (entry: SettingEntry, value: Int)] = [:]
    var pairStrings: [String: SettingEntry] = [:]

    init(file: String, environment: [String: String]) {
        self.file = file
        self.environment = environment
    }

    /// A `setting` element, with its section path (`["proxies", "proxy0"]`).
    struct SettingEntry {
        var sections: [String]
        var name: String
        var value: String
        var line: Int
        var column: Int

        var sectionPath: String { sections.joined(separator: "/") }
        var path: String { (sections + [name]).joined(separator: "/") }
        var isSecret: Bool { ConfigurationIssue.isSecret(settingName: name) }
        /// The value as a message may show it: quoted, or masked for a password.
        var shown: String { isSecret ? "(value hidden)" : "\"\(value)\"" }
    }

    // MARK: - Walk

    mutating func load(root: XMLElementNode) {
        guard root.name == "SipEndpoint" else {
            error(.invalidLayout, root, path: root.name, "the root element is <\(root.name)>; expected <SipEndpoint>")
            return
        }
        var genesys: [XMLElementNode] = []
        for child in root.children {
            guard child.name == "Container" else {
                warning(
                    .unknownSetting, child, path: child.name,
                    "unknown element <\(child.name)> under <SipEndpoint>; ignored (expected <Container>)")
                continue
            }
            switch child.attributes["name"] {
            case "Basic": readBasic(child)
            case "Genesys": genesys.append(child)
            case nil:
                error(
                    .missingAttribute, child, path: "Container",
                    "<Container> without name=; expected name=\"Basic\" or name=\"Genesys\"")
            case let name?:
                warning(
                    .unknownSetting, child, path: "Container[\(name)]",
                    "unknown Container name=\"\(name)\"; ignored (expected Basic or Genesys)")
            }
        }
        if connectivityCount == 0 {
            errors.append(
                ConfigurationIssue(
                    .error, .noConnection, file: file, line: root.line, column: root.column, path: "Container[Basic]",
                    message:
                        "no <Connectivity> line: add one per connection to <Container name=\"Basic\">, e.g. <Connectivity user=\"7001\" server=\"site-a.example.net\" protocol=\"UDP\"/>"
                ))
        }
        for container in genesys { readGenesys(container) }
        checkTogether()
    }

    private mutating func readBasic(_ container: XMLElementNode) {
        for child in container.children {
            guard child.name == "Connectivity" else {
                warning(
                    .unknownSetting, child, path: child.name,
                    "unknown element <\(child.name)> in the Basic container; ignored (expected <Connectivity>)")
                continue
            }
            readConnectivity(child, id: connectivityCount)
        }
    }

    private mutating func readConnectivity(_ node: XMLElementNode, id: Int) {
        let path = "Connectivity[\(id)]"
        for name in node.attributes.keys.sorted() where !SupportedSettings.connectivityAttributes.contains(name) {
            warning(
                .unknownSetting, node, path: "\(path)/\(name)",
                "unknown attribute \(name)= on <Connectivity>; ignored (accepted: user, server, protocol)")
        }
        func required(_ name: String, _ example: String) -> String? {
            guard let raw = node.attributes[name] else {
                error(
                    .missingAttribute, node, path: "\(path)/\(name)",
                    "<Connectivity> without \(name)= (connection \(id)); e.g. \(name)=\"\(example)\"")
                return nil
            }
            return substituted(raw, node, path: "\(path)/\(name)")
        }
        let userText = required("user", "7001")?.trimmingCharacters(in: .whitespaces)
        let serverText = required("server", "site-a.example.net:5060")?.trimmingCharacters(in: .whitespaces)
        var user = "", server = ServerAddress(host: ""), transport = SIPTransportKind.udp, named = false

        if let userText {
            switch SettingValue.userName(userText) {
            case .success(let value): user = value
            case .failure(let refusal):
                error(.invalidValue, node, path: "\(path)/user", "\"\(userText)\" \(refusal.reason)")
            }
        }
        if let serverText {
            switch SettingValue.server(serverText) {
            case .success(let value): server = value
            case .failure(let refusal):
                error(.invalidValue, node, path: "\(path)/server", "\"\(serverText)\" \(refusal.reason)")
            }
        }
        if node.attributes["protocol"] != nil, node.attributes["transport"] != nil {
            error(
                .duplicateSetting, node, path: "\(path)/transport",
                "both protocol= and its synonym transport= are given; keep one")
        } else if let raw = node.attributes["protocol"] ?? node.attributes["transport"] {
            let name = node.attributes["protocol"] != nil ? "protocol" : "transport"
            if let text = substituted(raw, node, path: "\(path)/\(name)")?.trimmingCharacters(in: .whitespaces),
                !text.isEmpty
            {
                named = true
                switch SettingValue.transport(text) {
                case .success(let value): transport = value
                case .failure(let refusal):
                    error(.invalidValue, node, path: "\(path)/\(name)", "\"\(text)\" \(refusal.reason)")
                }
            }
        }
        connectivityCount += 1
        var connection = ConnectionConfiguration(user: user, server: server, transport: transport)
        // RFC 3263 §4.1: no transport named and a host name without a port: NAPTR chooses it.
        connection.transportFromDNS =
            !named && server.port == nil && !server.host.isEmpty && !SettingValue.isIPAddress(server.host)
        configuration.connections.append(connection)
    }

    private mutating func readGenesys(_ container: XMLElementNode) {
        for child in container.children {
            guard child.name == "settings" else {
                warning(
                    .unknownSetting, child, path: child.name,
                    "unknown element <\(child.name)> in the Genesys container; ignored (expected <settings>)")
                continue
            }
            for domain in child.children {
                guard domain.name == "domain" else {
                    warning(
                        .unknownSetting, domain, path: domain.name,
                        "unknown element <\(domain.name)> in <settings>; ignored (expected <domain>)")
                    continue
                }
                guard let name = domain.attributes["name"], !name.isEmpty else {
                    error(
                        .missingAttribute, domain, path: "domain",
                        "<domain> without name=; expected policy, proxies, system or codecs")
                    continue
                }
                readSection(domain, sections: [name])
            }
        }
    }

    private mutating func readSection(_ node: XMLElementNode, sections: [String]) {
        if sections.count == 2, sections[0] == "proxies", let id = Self.proxyIndex(sections[1]), id >= connectivityCount
        {
            let lines =
                switch connectivityCount {
                case 0: "the file has no Connectivity line"
                case 1: "the file has 1 Connectivity line, connection id 0"
                default:
                    "the file has \(connectivityCount) Connectivity lines, connection ids 0–\(connectivityCount - 1)"
                }
            error(
                .unknownConnection, node, path: sections.joined(separator: "/"),
                "section proxy\(id) configures connection \(id), but there is no Connectivity line \(id) (\(lines)); add the Connectivity line or remove the section"
            )
            return
        }
        for child in node.children {
            switch child.name {
            case "section":
                guard let name = child.attributes["name"], !name.isEmpty else {
                    error(
                        .missingAttribute, child, path: sections.joined(separator: "/") + "/section",
                        "<section> without name=")
                    continue
                }
                readSection(child, sections: sections + [name])
            case "setting":
                readSetting(child, sections: sections)
            default:
                warning(
                    .unknownSetting, child, path: (sections + [child.name]).joined(separator: "/"),
                    "unknown element <\(child.name)>; ignored (expected <section> or <setting>)")
            }
        }
    }

    private mutating func readSetting(_ node: XMLElementNode, sections: [String]) {
        let sectionPath = sections.joined(separator: "/")
        guard let name = node.attributes["name"], !name.isEmpty else {
            error(.missingAttribute, node, path: sectionPath + "/setting", "<setting> without name=")
            return
        }
        guard let value = node.attributes["value"] else {
            error(
                .missingAttribute, node, path: "\(sectionPath)/\(name)",
                "<setting name=\"\(name)\"> without value=; write value=\"\" for the default")
            return
        }
        for attribute in node.attributes.keys.sorted() where attribute != "name" && attribute != "value" {
            warning(
                .unknownSetting, node, path: "\(sectionPath)/\(name)",
                "unknown attribute \(attribute)= on <setting>; ignored")
        }
        dispatch(SettingEntry(sections: sections, name: name, value: value, line: node.line, column: node.column))
    }

    // MARK: - Dispatch

    private mutating func dispatch(_ entry: SettingEntry) {
        var pattern = entry.sections
        var id = 0
        if pattern.count >= 2, pattern[0] == "proxies", let proxy = Self.proxyIndex(pattern[1]) {
            pattern[1] = "proxy*"
            id = proxy
        }
        let patternPath = pattern.joined(separator: "/")
        if let definition = SettingsCatalogue.definition(section: patternPath, name: entry.name) {
            let scope = definition.scope == .connection ? "proxies/proxy\(id)" : entry.sectionPath
            guard firstOccurrence(entry, scope: scope), let value = substituted(entry) else { return }
            definition.load(&self, entry, value, id)
            return
        }
        if let reason = GenesysSettingsNotActedOn.reason(section: patternPath, name: entry.name) {
            warning(.notActedOn, entry, "a Genesys SIP Endpoint setting this SDK does not act on (\(reason)); ignored")
            return
        }
        warning(.unknownSetting, entry, "unknown setting; ignored" + suggestion(for: entry, pattern: patternPath))
    }

    private func suggestion(for entry: SettingEntry, pattern: String) -> String {
        let known = pattern == "proxies/proxy*" ? SupportedSettings.connection : SupportedSettings.sections[pattern]
        guard let known else {
            let sections = (["proxies/proxyN"] + SupportedSettings.sections.keys.sorted()).joined(separator: ", ")
            return
                " (no setting is known in section \(entry.sectionPath.isEmpty ? "(none)" : entry.sectionPath); known sections: \(sections))"
        }
        let lowered = entry.name.lowercased().replacingOccurrences(of: "-", with: "_")
        if let match = known.first(where: { $0 == lowered }) { return " (did you mean \(match)?)" }
        return " (known here: \(known.joined(separator: ", ")))"
    }

    /// The value after `${NAME}` substitution, or nil (and an error) when a variable is missing.
    private mutating func substituted(_ entry: SettingEntry) -> String? {
        switch EnvironmentSubstitution.substitute(entry.value, environment: environment, secret: entry.isSecret) {
        case .success(let value): return value
        case .failure(let failure):
            error(.missingEnvironmentVariable, entry, failure.message)
            return nil
        }
    }

    private mutating func substituted(_ raw: String, _ node: XMLElementNode, path: String) -> String? {
        switch EnvironmentSubstitution.substitute(raw, environment: environment) {
        case .success(let value): return value
        case .failure(let failure):
            error(.missingEnvironmentVariable, node, path: path, failure.message)
            return nil
        }
    }

    /// True the first time a setting (alias resolved) is seen in its scope; a duplicate is an error
    /// naming both lines.
    private mutating func firstOccurrence(_ entry: SettingEntry, scope: String) -> Bool {
        let canonical = SupportedSettings.aliases[entry.name] ?? entry.name
        let key = "\(scope)/\(canonical)"
        guard let first = firstSeen[key] else {
            firstSeen[key] = entry
            return true
        }
        if first.name == entry.name {
            error(.duplicateSetting, entry, "set twice, on line \(first.line) and line \(entry.line); keep one")
        } else {
            let alias = SupportedSettings.aliases[entry.name] != nil ? entry.name : first.name
            error(
                .duplicateSetting, entry,
                "\(first.name) (line \(first.line)) and \(entry.name) (line \(entry.line)) are the same setting (\(alias) is the Genesys 8.5 name of \(canonical)); keep one"
            )
        }
        return false
    }

    /// Parses a setting's value with `parse` and stores it with `store`. An empty value means the
    /// default and stores nothing; a refused value is an error quoting it (unless it is a secret).
    mutating func assign<T>(
        _ entry: SettingEntry, _ text: String, _ parse: (String) -> SettingValue.Parsed<T>,
        _ store: (inout Self, T) -> Void
    ) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return }
        switch parse(trimmed) {
        case .success(let value):
            store(&self, value)
            given.insert(entry.path)
        case .failure(let refusal):
            let shown = entry.isSecret ? "the value" : "\"\(trimmed)\""
            error(.invalidValue, entry, "\(shown) \(refusal.reason)")
        }
    }

    // MARK: - Issues

    /// `proxy7` → 7; `proxy`, `proxy07`, `proxyA` → nil.
    static func proxyIndex(_ name: String) -> Int? {
        guard name.hasPrefix("proxy") else { return nil }
        let digits = name.dropFirst(5)
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
            digits == "0" || !digits.hasPrefix("0"), digits.count <= 6, let id = Int(digits)
        else { return nil }
        return id
    }

    private mutating func error(
        _ code: ConfigurationIssue.Code, _ node: XMLElementNode, path: String, _ message: String
    ) {
        errors.append(
            ConfigurationIssue(
                .error, code, file: file, line: node.line, column: node.column, path: path, message: message))
    }

    mutating func error(_ code: ConfigurationIssue.Code, _ entry: SettingEntry, _ message: String) {
        errors.append(
            ConfigurationIssue(
                .error, code, file: file, line: entry.line, column: entry.column, path: entry.path, message: message))
    }

    private mutating func warning(
        _ code: ConfigurationIssue.Code, _ node: XMLElementNode, path: String, _ message: String
    ) {
        warnings.append(
            ConfigurationIssue(
                .warning, code, file: file, line: node.line, column: node.column, path: path, message: message))
    }

    mutating func warning(_ code: ConfigurationIssue.Code, _ entry: SettingEntry, _ message: String) {
        warnings.append(
            ConfigurationIssue(
                .warning, code, file: file, line: entry.line, column: entry.column, path: entry.path, message: message))
    }
}
