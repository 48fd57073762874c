import SipEndpoint

extension SettingsCatalogue {
    /// `policy/session/…`: how calls are answered, held, rung and kept alive.
    static let sessionSettings: [SettingDefinition] = [
        .section(
            "policy/session", "auto_answer", default: "0", accepts: "Boolean", parse: SettingValue.boolean,
            store: { $0.session.autoAnswer = $1 }, show: { SettingDefinition.flag($0.session.autoAnswer) }),
        .section(
            "policy/session", "hold_others", default: "1", accepts: "Boolean", parse: SettingValue.boolean,
            store: { $0.session.holdOthers = $1 }, show: { SettingDefinition.flag($0.session.holdOthers) }),
        .section(
            "policy/session", "dtmf_method", default: "rfc2833",
            accepts: "rfc2833 (RTP telephone-events, RFC 4733) or info",
            parse: SettingValue.dtmfMethod, store: { $0.session.dtmfMethod = $1 },
            show: { $0.session.dtmfMethod.rawValue }),
        .section(
            "policy/session", "ring_timeout", default: "60", accepts: "0 (until the caller gives up) or 1–3600",
            parse: { SettingValue.integer($0, in: 0...3600, unit: "seconds") },
            store: { $0.session.ringTimeoutSeconds = $1 }, show: { "\($0.session.ringTimeoutSeconds)" }),
        .section(
            "policy/session", "max_ringing_calls", default: "4", accepts: "1–64",
            parse: { SettingValue.integer($0, in: 1...64, unit: "calls") },
            store: { $0.session.maxRingingCalls = $1 }, show: { "\($0.session.maxRingingCalls)" }),
        .section(
            "policy/session", "session_expires", default: "1800", accepts: "0 (not offered) or 90–86400",
            parse: SettingValue.sessionExpires, store: { $0.session.sessionExpiresSeconds = $1 },
            check: { loader, entry, seconds in
                guard seconds > 0, seconds < 300 else { return }
                loader.warning(
                    .oddValue, entry,
                    "session_expires=\(seconds) refreshes every \(seconds / 2) s on every call; RFC 4028 recommends 1800"
                )
            },
            show: { "\($0.session.sessionExpiresSeconds)" }),
    ]
}
