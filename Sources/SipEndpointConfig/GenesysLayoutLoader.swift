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
    private(set) var configuration = SipEndpointConfiguration()
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
    private var pairValues: [String: (entry: SettingEntry, value: Int)] = [:]
    private var pairStrings: [String: SettingEntry] = [:]

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
        if pattern.count >= 2, pattern[0] == "proxies", let id = Self.proxyIndex(pattern[1]) {
            pattern[1] = "proxy*"
            if pattern.count == 2, SupportedSettings.connection.contains(entry.name) {
                apply(entry, toConnection: id)
                return
            }
        } else if let names = SupportedSettings.sections[entry.sectionPath], names.contains(entry.name) {
            applyPolicy(entry)
            return
        }
        let patternPath = pattern.joined(separator: "/")
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
    private mutating func assign<T>(
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

    // MARK: - proxies/proxyN

    private mutating func apply(_ entry: SettingEntry, toConnection id: Int) {
        guard firstOccurrence(entry, scope: "proxies/proxy\(id)"), let value = substituted(entry) else { return }
        let seconds = 0...SettingValue.maximumDuration
        func inSeconds(_ text: String) -> SettingValue.Parsed<Int> {
            SettingValue.integer(text, in: seconds, unit: "seconds")
        }
        let path = "proxies/proxy\(id)"
        switch SupportedSettings.aliases[entry.name] ?? entry.name {
        case "password":
            configuration.connections[id].password = value.isEmpty ? nil : value
        case "auth_user":
            assign(entry, value, SettingValue.userName) { $0.configuration.connections[id].authUser = $1 }
        case "display_name":
            if value.isEmpty { break }
            switch SettingValue.headerText(value) {
            case .success(let text): configuration.connections[id].displayName = text
            case .failure(let refusal): error(.invalidValue, entry, "the value \(refusal.reason)")
            }
        case "domain":
            assign(entry, value, SettingValue.host) { $0.configuration.connections[id].domain = $1 }
        case "enabled":
            assign(entry, value, SettingValue.boolean) { $0.configuration.connections[id].enabled = $1 }
        case "reregister_in_seconds":
            assign(entry, value, inSeconds) {
                $0.configuration.connections[id].reregisterInSeconds = $1
                if (1..<60).contains($1) {
                    $0.warning(
                        .oddValue, entry,
                        "\($1) s is a very short registration lifetime: the binding is refreshed every few seconds and many registrars answer 423 Interval Too Brief (the SDK then asks for their Min-Expires); 3600 is usual, 0 means do not register"
                    )
                }
            }
        case "reg_interval":
            assign(entry, value, inSeconds) {
                $0.pairValues["\(path)/reg_interval"] = (entry, $1)
                if $1 == 0 {
                    // RFC 5626 §4.5 needs a base above zero; 0 would retry a refused REGISTER at once.
                    $0.configuration.connections[id].regInterval = ConnectionConfiguration.defaultRegInterval
                    $0.warning(
                        .oddValue, entry,
                        "0 means the default back-off base of \(ConnectionConfiguration.defaultRegInterval) s (a retry at once would loop on a registrar that refuses); give the base in seconds, or leave it empty"
                    )
                } else {
                    $0.configuration.connections[id].regInterval = $1
                }
            }
        case "reg_retry_max":
            assign(entry, value, inSeconds) {
                $0.configuration.connections[id].regRetryMax = $1
                $0.pairValues["\(path)/reg_retry_max"] = (entry, $1)
            }
        case "options_interval":
            assign(entry, value, inSeconds) {
                $0.configuration.connections[id].optionsInterval = $1
                if (1..<5).contains($1) {
                    $0.warning(
                        .oddValue, entry,
                        "an OPTIONS probe every \($1) s for each connection loads the site; 0 turns probes off, 10 is the default"
                    )
                }
            }
        case "options_failure_threshold":
            assign(entry, value, { SettingValue.integer($0, in: 1...1000, unit: "probes") }) {
                $0.configuration.connections[id].optionsFailureThreshold = $1
            }
        case "keepalive_interval":
            assign(entry, value, inSeconds) { $0.configuration.connections[id].keepaliveInterval = $1 }
        case "instance_id":
            if value.isEmpty { break }
            assign(entry, value, SettingValue.instanceID) { $0.configuration.connections[id].instanceID = $1 }
        case "auth_realm":
            assign(entry, value, SettingValue.realmList) {
                $0.configuration.connections[id].authRealms = $1
                if $1.contains("*") {
                    $0.warning(
                        .oddValue, entry,
                        "* answers a digest challenge from any realm with this connection's password, so a proxy or phone of another domain on a call's path gets a response it can attack offline; list the realms instead"
                    )
                }
            }
        case "require_qop":
            assign(entry, value, SettingValue.boolean) { $0.configuration.connections[id].requireQop = $1 }
        default:
            assertionFailure("SupportedSettings.connection lists \(entry.name) but the loader does not map it")
        }
    }

    // MARK: - policy and system

    private mutating func applyPolicy(_ entry: SettingEntry) {
        guard firstOccurrence(entry, scope: entry.sectionPath), let value = substituted(entry) else { return }
        let milliseconds = 1...32000
        switch entry.path {
        case "policy/endpoint/sip_transaction_timeout":
            assign(entry, value, { SettingValue.integer($0, in: milliseconds, unit: "milliseconds") }) {
                $0.configuration.endpoint.sipTransactionTimeoutMilliseconds = $1
            }
        case "policy/endpoint/sip_port_min", "policy/endpoint/sip_port_max",
            "policy/endpoint/rtp_port_min", "policy/endpoint/rtp_port_max":
            assign(entry, value, SettingValue.port) { $0.pairValues[entry.path] = (entry, $1) }
        case "policy/endpoint/public_address":
            assign(entry, value, SettingValue.host) { $0.configuration.endpoint.publicAddress = $1 }
        case "policy/endpoint/local_address":
            assign(entry, value, SettingValue.ipAddress) { $0.configuration.endpoint.localAddress = $1 }
        case "policy/endpoint/dns_servers":
            assign(entry, value, SettingValue.dnsServers) { $0.configuration.endpoint.dnsServers = $1 }
        case "policy/endpoint/rtp_inactivity_timeout":
            assign(entry, value, SettingValue.inactivityTimeout) { $0.configuration.endpoint.rtpInactivityTimeout = $1 }
        case "policy/endpoint/unsolicited_requests":
            assign(entry, value, SettingValue.unsolicitedRequests) {
                $0.configuration.endpoint.unsolicitedRequests = $1
            }
            if configuration.endpoint.unsolicitedRequests == .accept {
                warning(
                    .oddValue, entry,
                    "unsolicited_requests=accept lets any address ring the agent (scanners included); for labs only, use drop in production"
                )
            }
        case "policy/failover/retry_codes":
            assign(entry, value, SettingValue.responseCodes) { $0.configuration.failover.retryCodes = $1 }
        case "policy/failover/invite_timeout":
            assign(entry, value, { SettingValue.inviteTimeout($0, in: milliseconds) }) {
                $0.configuration.failover.inviteTimeoutMilliseconds = $1
                $0.pairValues[entry.path] = $1.map { (entry, $0) }
            }
        case "policy/failover/flap_window":
            assign(entry, value, SettingValue.autoSeconds) { $0.configuration.failover.flapWindowSeconds = $1 }
            if configuration.failover.flapWindowSeconds == 0 {
                warning(
                    .oddValue, entry,
                    "flap_window=0 turns flap damping off: a site that swings between up and down is used again at every swing"
                )
            }
        case "policy/failover/flap_hold_down_max":
            assign(entry, value, SettingValue.autoSeconds) { $0.configuration.failover.flapHoldDownMaxSeconds = $1 }
            if configuration.failover.flapHoldDownMaxSeconds == 0 {
                warning(
                    .oddValue, entry, "flap_hold_down_max=0 turns flap damping off (no hold-down can last any time)")
            }
        case "policy/failover/duplicate_call_header":
            assign(entry, value, SettingValue.headerName) { $0.configuration.failover.duplicateCallHeader = $1 }
        case "policy/failover/duplicate_call_response":
            assign(entry, value, { SettingValue.integer($0, in: 400...699, unit: "a final response code") }) {
                $0.configuration.failover.duplicateCallResponse = $1
            }
            if let code = Int(value), (200...299).contains(code) || code == 408 || code == 480 || code == 503 {
                warning(
                    .oddValue, entry,
                    "duplicate_call_response=\(code) may make a site retry the copy elsewhere; 486 (or 603) ends it")
            }
        case "policy/failover/adaptive_t1":
            assign(entry, value, SettingValue.boolean) { $0.configuration.failover.adaptiveT1 = $1 }
        case "policy/failover/mode":
            assign(entry, value, { SettingValue.oneOf($0, what: "a failover mode") }) {
                $0.configuration.failover.mode = $1
            }
        case "policy/failover/failback":
            assign(entry, value, { SettingValue.oneOf($0, what: "a failback mode") }) {
                $0.configuration.failover.failback = $1
            }
        case "policy/failover/failback_hold_down":
            assign(entry, value, { SettingValue.integer($0, in: 0...86400, unit: "seconds") }) {
                $0.configuration.failover.failbackHoldDownSeconds = $1
            }
        case "policy/failover/failback_order":
            assign(entry, value, { SettingValue.oneOf($0, what: "a failback order") }) {
                $0.configuration.failover.failbackOrder = $1
            }
        case "policy/session/auto_answer":
            assign(entry, value, SettingValue.boolean) { $0.configuration.session.autoAnswer = $1 }
        case "policy/session/hold_others":
            assign(entry, value, SettingValue.boolean) { $0.configuration.session.holdOthers = $1 }
        case "policy/session/dtmf_method":
            assign(entry, value, SettingValue.dtmfMethod) { $0.configuration.session.dtmfMethod = $1 }
        case "policy/session/ring_timeout":
            assign(entry, value, { SettingValue.integer($0, in: 0...3600, unit: "seconds") }) {
                $0.configuration.session.ringTimeoutSeconds = $1
            }
        case "policy/session/max_ringing_calls":
            assign(entry, value, { SettingValue.integer($0, in: 1...64, unit: "calls") }) {
                $0.configuration.session.maxRingingCalls = $1
            }
        case "policy/session/session_expires":
            assign(entry, value, SettingValue.sessionExpires) { $0.configuration.session.sessionExpiresSeconds = $1 }
            if let seconds = Int(value), seconds > 0, seconds < 300 {
                warning(
                    .oddValue, entry,
                    "session_expires=\(seconds) refreshes every \(seconds / 2) s on every call; RFC 4028 recommends 1800"
                )
            }
        case "system/security/tls_ca_file":
            assign(entry, value, { .success($0) }) { $0.configuration.security.tlsCAFile = $1 }
        case "system/security/tls_verify":
            assign(entry, value, SettingValue.boolean) { $0.configuration.security.tlsVerify = $1 }
        case "system/security/tls_cert_file":
            assign(entry, value, { .success($0) }) {
                $0.configuration.security.tlsCertificateFile = $1
                $0.pairStrings[entry.path] = entry
            }
        case "system/security/tls_key_file":
            assign(entry, value, { .success($0) }) {
                $0.configuration.security.tlsKeyFile = $1
                $0.pairStrings[entry.path] = entry
            }
        case "system/security/use_srtp":
            assign(entry, value, SettingValue.srtpUse) {
                $0.configuration.security.useSRTP = $1
                $0.pairStrings[entry.path] = entry
            }
        case "system/security/srtp_key_log":
            if value.isEmpty { break }
            assign(entry, value, { .success($0) }) { $0.configuration.security.srtpKeyLog = $1 }
            warning(
                .oddValue, entry,
                "srtp_key_log writes every call's SRTP keys to \(value): anyone with the file and a capture hears the calls; for troubleshooting only, remove it afterwards"
            )
        case "system/diagnostics/log_level":
            assign(entry, value, SettingValue.logLevel) { $0.configuration.diagnostics.logLevel = $1 }
        case "system/diagnostics/log_file":
            assign(entry, value, { .success($0) }) { $0.configuration.diagnostics.logFile = $1 }
        default:
            assertionFailure("SupportedSettings.sections lists \(entry.path) but the loader does not map it")
        }
    }

    // MARK: - Settings that only make sense together

    private mutating func checkTogether() {
        for kind in ["sip", "rtp"] {
            let minimum = pairValues["policy/endpoint/\(kind)_port_min"]
            let maximum = pairValues["policy/endpoint/\(kind)_port_max"]
            switch (minimum, maximum) {
            case let (low?, high?):
                if low.value > high.value {
                    error(
                        .inconsistentSettings, high.entry,
                        "\(kind)_port_max \(high.value) is below \(kind)_port_min \(low.value) (line \(low.entry.line))"
                    )
                } else if kind == "sip" {
                    configuration.endpoint.sipPortRange = low.value...high.value
                } else {
                    configuration.endpoint.rtpPortRange = low.value...high.value
                }
            case let (one?, nil), let (nil, one?):
                let other = one.entry.name.hasSuffix("_min") ? "\(kind)_port_max" : "\(kind)_port_min"
                error(
                    .inconsistentSettings, one.entry,
                    "\(one.entry.name) is set but \(other) is not; give both or neither")
            case (nil, nil):
                break
            }
        }
        for id in configuration.connections.indices {
            guard
                let retryMax = pairValues["proxies/proxy\(id)/reg_retry_max"]
                    ?? pairValues["proxies/proxy\(id)/reg_interval"]
            else { continue }
            let connection = configuration.connections[id]
            if connection.regRetryMax < connection.regInterval {
                warning(
                    .oddValue, retryMax.entry,
                    "reg_retry_max \(connection.regRetryMax) is below reg_interval \(connection.regInterval) for connection \(id); the back-off cap is raised to the base, \(connection.regInterval) s"
                )
                configuration.connections[id].regRetryMax = connection.regInterval
            }
        }
        // RFC 4568 §8.3: SDES keys travel in the SDP, so SRTP is only as private as the signalling.
        if configuration.security.useSRTP == .mandatory, let entry = pairStrings["system/security/use_srtp"] {
            for (id, connection) in configuration.connections.enumerated() where connection.transport != .tls {
                error(
                    .inconsistentSettings, entry,
                    "use_srtp=mandatory but connection \(id) (\(connection.user)@\(connection.server)) uses \(connection.transport.rawValue.uppercased()): its SDP would carry the SRTP keys in clear; use protocol=TLS"
                )
            }
        }
        if let fixed = pairValues["policy/failover/invite_timeout"] {
            if fixed.value > configuration.endpoint.sipTransactionTimeoutMilliseconds {
                warning(
                    .oddValue, fixed.entry,
                    "invite_timeout \(fixed.value) ms is above sip_transaction_timeout \(configuration.endpoint.sipTransactionTimeoutMilliseconds) ms, which ends a silent INVITE first; auto learns the give-up per site"
                )
            } else if fixed.value < 800 {
                warning(
                    .oddValue, fixed.entry,
                    "invite_timeout \(fixed.value) ms is below 800 ms, the shortest give-up auto uses: a live site whose 100 Trying is late or lost is failed over; auto learns the give-up per site"
                )
            }
        }
        let certificate = pairStrings["system/security/tls_cert_file"]
        let key = pairStrings["system/security/tls_key_file"]
        if let one = certificate ?? key, (certificate == nil) != (key == nil) {
            let other = certificate == nil ? "tls_cert_file" : "tls_key_file"
            error(.inconsistentSettings, one, "\(one.name) is set but \(other) is not; a client certificate needs both")
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

    private mutating func error(_ code: ConfigurationIssue.Code, _ entry: SettingEntry, _ message: String) {
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

    private mutating func warning(_ code: ConfigurationIssue.Code, _ entry: SettingEntry, _ message: String) {
        warnings.append(
            ConfigurationIssue(
                .warning, code, file: file, line: entry.line, column: entry.column, path: entry.path, message: message))
    }
}
