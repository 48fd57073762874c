import SipEndpoint

extension SettingsCatalogue {
    /// Durations in seconds: 0 up to a 32-bit count.
    static let secondsAccepted = "0–\(SettingValue.maximumDuration)"

    static func inSeconds(_ text: String) -> SettingValue.Parsed<Int> {
        SettingValue.integer(text, in: 0...SettingValue.maximumDuration, unit: "seconds")
    }

    /// `proxies/proxyN/…`: the settings of connection N.
    static let connectionSettings: [SettingDefinition] = [
        SettingDefinition(
            scope: .connection, name: "password", defaultValue: "", documentedDefault: "none",
            accepts: "Never printed",
            // Taken as written (spaces included): a password is not trimmed.
            load: { loader, _, value, id in loader.configuration.connections[id].password = value.isEmpty ? nil : value
            },
            show: { configuration, id in
                configuration.connections[id].password == nil ? "" : SipEndpointConfiguration.maskedPassword
            }),
        .connection(
            "auth_user", default: "7001", documented: "the DN (user=)", accepts: "Digest user name",
            parse: SettingValue.userName, store: { $0.authUser = $1 }, show: \.effectiveAuthUser),
        SettingDefinition(
            scope: .connection, name: "display_name", defaultValue: "", documentedDefault: "none",
            accepts: "One line of text",
            load: { loader, entry, value, id in
                guard !value.isEmpty else { return }
                switch SettingValue.headerText(value) {
                case .success(let text): loader.configuration.connections[id].displayName = text
                case .failure(let refusal): loader.error(.invalidValue, entry, "the value \(refusal.reason)")
                }
            },
            show: { configuration, id in configuration.connections[id].displayName ?? "" }),
        .connection(
            "domain", default: "127.0.0.2", documented: "the server host", accepts: "A host name or address, no port",
            parse: SettingValue.host, store: { $0.domain = $1 }, show: \.effectiveDomain),
        .connection(
            "enabled", default: "1", accepts: "Boolean", parse: SettingValue.boolean, store: { $0.enabled = $1 },
            show: { SettingDefinition.flag($0.enabled) }),
        .connection(
            "reregister_in_seconds", aliases: ["reg_timeout"], default: "3600", accepts: secondsAccepted,
            parse: inSeconds, store: { $0.reregisterInSeconds = $1 },
            check: { loader, entry, seconds, _ in
                guard (1..<60).contains(seconds) else { return }
                loader.warning(
                    .oddValue, entry,
                    "\(seconds) s is a very short registration lifetime: the binding is refreshed every few seconds and many registrars answer 423 Interval Too Brief (the SDK then asks for their Min-Expires); 3600 is usual, 0 means do not register"
                )
            },
            show: { "\($0.reregisterInSeconds)" }),
        .connection(
            "reg_interval", default: "\(ConnectionConfiguration.defaultRegInterval)", accepts: secondsAccepted,
            parse: inSeconds,
            // RFC 5626 §4.5 needs a base above zero; 0 would retry a refused REGISTER at once.
            store: { $0.regInterval = $1 == 0 ? ConnectionConfiguration.defaultRegInterval : $1 },
            check: { loader, entry, seconds, id in
                loader.pairValues["proxies/proxy\(id)/reg_interval"] = (entry, seconds)
                guard seconds == 0 else { return }
                loader.warning(
                    .oddValue, entry,
                    "0 means the default back-off base of \(ConnectionConfiguration.defaultRegInterval) s (a retry at once would loop on a registrar that refuses); give the base in seconds, or leave it empty"
                )
            },
            show: { "\($0.regInterval)" }),
        .connection(
            "reg_retry_max", default: "1800", accepts: secondsAccepted, parse: inSeconds,
            store: { $0.regRetryMax = $1 },
            check: { loader, entry, seconds, id in
                loader.pairValues["proxies/proxy\(id)/reg_retry_max"] = (entry, seconds)
            },
            show: { "\($0.regRetryMax)" }),
        .connection(
            "options_interval", default: "10", accepts: secondsAccepted, parse: inSeconds,
            store: { $0.optionsInterval = $1 },
            check: { loader, entry, seconds, _ in
                guard (1..<5).contains(seconds) else { return }
                loader.warning(
                    .oddValue, entry,
                    "an OPTIONS probe every \(seconds) s for each connection loads the site; 0 turns probes off, 10 is the default"
                )
            },
            show: { "\($0.optionsInterval)" }),
        .connection(
            "options_failure_threshold", default: "1", accepts: "1–1000",
            parse: { SettingValue.integer($0, in: 1...1000, unit: "probes") },
            store: { $0.optionsFailureThreshold = $1 }, show: { "\($0.optionsFailureThreshold)" }),
        .connection(
            "keepalive_interval", default: "30", accepts: secondsAccepted, parse: inSeconds,
            store: { $0.keepaliveInterval = $1 }, show: { "\($0.keepaliveInterval)" }),
        .connection(
            "instance_id", default: "", documented: "derived from the DN and the password",
            accepts: "A UUID or a urn:", parse: SettingValue.instanceID, store: { $0.instanceID = $1 },
            show: { $0.instanceID ?? "" }),
        .connection(
            "auth_realm", default: "", documented: "none", accepts: "Realms without \" or \\, or *",
            parse: SettingValue.realmList, store: { $0.authRealms = $1 },
            check: { loader, entry, realms, _ in
                guard realms.contains("*") else { return }
                loader.warning(
                    .oddValue, entry,
                    "* answers a digest challenge from any realm with this connection's password, so a proxy or phone of another domain on a call's path gets a response it can attack offline; list the realms instead"
                )
            },
            show: { $0.authRealms.joined(separator: ",") }),
        .connection(
            "require_qop", default: "0", documented: "0 (answered)", accepts: "Boolean", parse: SettingValue.boolean,
            store: { $0.requireQop = $1 }, show: { SettingDefinition.flag($0.requireQop) }),
    ]
}
