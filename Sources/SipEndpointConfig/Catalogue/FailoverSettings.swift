import SipEndpoint

extension SettingsCatalogue {
    /// `policy/failover/…`: when a dial moves to the other site, flap damping, duplicates, active/standby.
    static let failoverSettings: [SettingDefinition] = [
        .section(
            "policy/failover", "retry_codes", default: "408,503,504", accepts: "Comma-separated codes 300–699",
            parse: SettingValue.responseCodes, store: { $0.failover.retryCodes = $1 },
            show: { $0.failover.retryCodes.sorted().map(String.init).joined(separator: ",") }),
        .section(
            "policy/failover", "invite_timeout", default: "auto", accepts: "auto or milliseconds 1–32000",
            parse: { SettingValue.inviteTimeout($0, in: milliseconds) },
            store: { $0.failover.inviteTimeoutMilliseconds = $1 },
            check: { loader, entry, fixed in loader.pairValues[entry.path] = fixed.map { (entry, $0) } },
            show: { $0.failover.inviteTimeoutMilliseconds.map { "\($0)" } ?? "auto" }),
        .section(
            "policy/failover", "adaptive_t1", default: "1", accepts: "Boolean", parse: SettingValue.boolean,
            store: { $0.failover.adaptiveT1 = $1 }, show: { SettingDefinition.flag($0.failover.adaptiveT1) }),
        .section(
            "policy/failover", "flap_window", default: "auto", accepts: "auto or 0–86400",
            parse: SettingValue.autoSeconds, store: { $0.failover.flapWindowSeconds = $1 },
            check: { loader, entry, seconds in
                guard seconds == 0 else { return }
                loader.warning(
                    .oddValue, entry,
                    "flap_window=0 turns flap damping off: a site that swings between up and down is used again at every swing"
                )
            },
            show: { $0.failover.flapWindowSeconds.map(String.init) ?? "auto" }),
        .section(
            "policy/failover", "flap_hold_down_max", default: "auto", accepts: "auto or 0–86400",
            parse: SettingValue.autoSeconds, store: { $0.failover.flapHoldDownMaxSeconds = $1 },
            check: { loader, entry, seconds in
                guard seconds == 0 else { return }
                loader.warning(
                    .oddValue, entry, "flap_hold_down_max=0 turns flap damping off (no hold-down can last any time)")
            },
            show: { $0.failover.flapHoldDownMaxSeconds.map(String.init) ?? "auto" }),
        .section(
            "policy/failover", "duplicate_call_header", default: "", documented: "empty (off)",
            accepts: "A header name",
            parse: SettingValue.headerName, store: { $0.failover.duplicateCallHeader = $1 },
            show: { $0.failover.duplicateCallHeader ?? "" }),
        .section(
            "policy/failover", "duplicate_call_response", default: "486", accepts: "400–699",
            parse: { SettingValue.integer($0, in: 400...699, unit: "a final response code") },
            store: { $0.failover.duplicateCallResponse = $1 },
            check: { loader, entry, code in
                guard (200...299).contains(code) || code == 408 || code == 480 || code == 503 else { return }
                loader.warning(
                    .oddValue, entry,
                    "duplicate_call_response=\(code) may make a site retry the copy elsewhere; 486 (or 603) ends it")
            },
            show: { "\($0.failover.duplicateCallResponse)" }),
        .section(
            "policy/failover", "mode", default: "active-active", accepts: "active-active or active-standby",
            parse: { SettingValue.oneOf($0, what: "a failover mode") }, store: { $0.failover.mode = $1 },
            show: { $0.failover.mode.rawValue }),
        .section(
            "policy/failover", "failback", default: "auto", accepts: "auto or manual",
            parse: { SettingValue.oneOf($0, what: "a failback mode") }, store: { $0.failover.failback = $1 },
            show: { $0.failover.failback.rawValue }),
        .section(
            "policy/failover", "failback_hold_down", default: "30", accepts: "0–86400",
            parse: { SettingValue.integer($0, in: 0...86400, unit: "seconds") },
            store: { $0.failover.failbackHoldDownSeconds = $1 }, show: { "\($0.failover.failbackHoldDownSeconds)" }),
        .section(
            "policy/failover", "failback_order", default: "make-before-break",
            accepts: "make-before-break or break-before-make",
            parse: { SettingValue.oneOf($0, what: "a failback order") }, store: { $0.failover.failbackOrder = $1 },
            show: { $0.failover.failbackOrder.rawValue }),
    ]
}
