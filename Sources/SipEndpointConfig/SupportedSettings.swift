/// The settings this SDK acts on, by where they sit in the Genesys container: a view of the one
/// table of settings (its entries carry the default, the accepted values and how each is read). The
/// sample file carries every one of them; the loader maps each into ``SipEndpointConfiguration``.
public enum SupportedSettings {
    /// `proxies/proxyN/…`: the settings of connection N, aliases included, in the sample's order.
    public static let connection: [String] = SettingsCatalogue.all.filter { $0.scope == .connection }
        .flatMap { [$0.name] + $0.aliases }

    /// Section path (`domain/section`) → setting names, in the sample's order.
    public static let sections: [String: [String]] = {
        var sections: [String: [String]] = [:]
        for definition in SettingsCatalogue.all {
            if case .section(let path) = definition.scope { sections[path, default: []].append(definition.name) }
        }
        return sections
    }()

    /// Another name of a setting (the Genesys 8.5 `reg_timeout`) → the name this SDK documents.
    public static let aliases: [String: String] = {
        var aliases: [String: String] = [:]
        for definition in SettingsCatalogue.all {
            for alias in definition.aliases { aliases[alias] = definition.name }
        }
        return aliases
    }()

    /// Attributes of a `Connectivity` line. `transport` is the Genesys synonym of `protocol`.
    public static let connectivityAttributes: [String] = ["user", "server", "protocol", "transport"]
}

/// Settings of the Genesys SIP Endpoint SDK that this SDK recognises but does not act on. They load
/// with a warning that says so (and why), never silently; anything neither here nor in
/// ``SupportedSettings`` is an unknown setting, also a warning.
///
/// - whole domain `codecs`: this SDK offers G.711 (PCMU, PCMA) only, always;
/// - section `policy/device`: audio devices, headsets and volumes (the SDK has no audio device layer);
/// - sections `proxies/proxyN/nat` (ICE, STUN, TURN) and `proxies/proxyN/mailbox` (voicemail MWI);
/// - the individual names in ``names``: video, audio processing, Genesys logging options….
public enum GenesysSettingsNotActedOn {
    /// Section path prefix (with `proxyN` written `proxy*`) → why it is ignored.
    public static let sections: [(prefix: String, reason: String)] = [
        ("codecs", "codec selection; this SDK always offers G.711 (PCMU, PCMA) and nothing else"),
        ("policy/device", "audio devices and headsets; this SDK has no audio device layer"),
        ("policy/video", "video; this SDK carries audio only"),
        ("proxies/proxy*/nat", "NAT traversal (ICE, STUN, TURN); this SDK does not do ICE"),
        ("proxies/proxy*/mailbox", "voicemail subscription (MWI); not implemented"),
    ]

    /// `section path/name` (with `proxyN` written `proxy*`) → why it is ignored.
    public static let names: [String: String] = {
        var names: [String: String] = [:]
        let groups: [(section: String, settings: [String], reason: String)] = [
            ("policy/endpoint", ["audio_qos", "video_qos", "signaling_qos"], "QoS marking; not implemented"),
            (
                "policy/endpoint",
                ["include_os_version_in_user_agent_header", "include_sdk_version_in_user_agent_header"],
                "User-Agent contents; this SDK sends its own"
            ),
            (
                "policy/endpoint", ["ip_versions"],
                "IP version preference; this SDK uses what the server address resolves to"
            ),
            ("policy/endpoint", ["rtp_dtmf_enabled"], "media timers; not implemented"),
            (
                "policy/endpoint", ["vad_level", "agc_mode", "echo_control", "noise_suppression", "dtx_mode"],
                "audio processing; this SDK has no audio device layer"
            ),
            (
                "policy/endpoint", ["video_max_bitrate", "video_max_fps", "video_thread", "camera_name"],
                "video; audio only"
            ),
            (
                "policy/endpoint", ["refer_to_proxy", "defer_device_release", "ringing_enabled", "ringing_file"],
                "a Genesys endpoint behaviour this SDK does not have"
            ),
            (
                "policy/session",
                [
                    "auto_answer_delay", "auto_accept_video", "reject_session_when_headset_na",
                    "sip_code_when_headset_na", "vq_report_collector", "vq_report_publish",
                    "ringing_timeout", "dialog_flow",
                ],
                "a Genesys session behaviour this SDK does not have"
            ),
            (
                "proxies/proxy*", ["reg_match_received_rport", "nat_mode", "mailbox_server"],
                "a Genesys proxy option this SDK does not have"
            ),
            (
                "system/diagnostics",
                [
                    "enable_logging", "log_options_provider", "log_options_endpoint", "logger_type",
                    "log_segment", "log_expire", "log_time_convert", "log_time_format",
                ],
                "Genesys log file management; this SDK logs through swift-log (log_level, log_file)"
            ),
            (
                "system/security", ["tls_enabled", "tls_protocol", "cert_file"],
                "a Genesys security option; this SDK uses TLS when a connection's protocol is TLS (tls_* settings)"
            ),
        ]
        for group in groups {
            for name in group.settings { names["\(group.section)/\(name)"] = group.reason }
        }
        return names
    }()

    /// Why a setting is not acted on, or nil when it is not a known Genesys setting.
    /// `section` is the section path with `proxyN` already written `proxy*`.
    static func reason(section: String, name: String) -> String? {
        if let reason = names["\(section)/\(name)"] { return reason }
        return reason(section: section)
    }

    /// Why a whole section is not acted on, or nil.
    static func reason(section: String) -> String? {
        sections.first { section == $0.prefix || section.hasPrefix($0.prefix + "/") }?.reason
    }
}
