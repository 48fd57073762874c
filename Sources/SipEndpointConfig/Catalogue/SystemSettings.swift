import SipEndpoint

extension SettingsCatalogue {
    /// `system/security/…` and `system/diagnostics/…`: TLS, SRTP and logging.
    static let systemSettings: [SettingDefinition] = [
        .section(
            "system/security", "tls_ca_file", default: "", documented: "the system's CAs", accepts: "A path",
            parse: { .success($0) }, store: { $0.security.tlsCAFile = $1 }, show: { $0.security.tlsCAFile ?? "" }),
        .section(
            "system/security", "tls_verify", default: "1", accepts: "Boolean", parse: SettingValue.boolean,
            store: { $0.security.tlsVerify = $1 }, show: { SettingDefinition.flag($0.security.tlsVerify) }),
        .section(
            "system/security", "tls_cert_file", default: "", documented: "none", accepts: "Paths",
            parse: { .success($0) }, store: { $0.security.tlsCertificateFile = $1 },
            check: { loader, entry, _ in loader.pairStrings[entry.path] = entry },
            show: { $0.security.tlsCertificateFile ?? "" }),
        .section(
            "system/security", "tls_key_file", default: "", documented: "none", accepts: "Paths",
            parse: { .success($0) }, store: { $0.security.tlsKeyFile = $1 },
            check: { loader, entry, _ in loader.pairStrings[entry.path] = entry },
            show: { $0.security.tlsKeyFile ?? "" }),
        .section(
            "system/security", "use_srtp", default: "disabled", accepts: "disabled, optional, mandatory",
            parse: SettingValue.srtpUse, store: { $0.security.useSRTP = $1 },
            check: { loader, entry, _ in loader.pairStrings[entry.path] = entry },
            show: { $0.security.useSRTP.rawValue }),
        .section(
            "system/security", "srtp_key_log", default: "", documented: "none", accepts: "A path",
            parse: { .success($0) }, store: { $0.security.srtpKeyLog = $1 },
            check: { loader, entry, path in
                loader.warning(
                    .oddValue, entry,
                    "srtp_key_log writes every call's SRTP keys to \(path): anyone with the file and a capture hears the calls; for troubleshooting only, remove it afterwards"
                )
            },
            show: { $0.security.srtpKeyLog ?? "" }),
        .section(
            "system/diagnostics", "log_level", default: "info",
            accepts: "trace, debug, info, notice, warning, error, critical", parse: SettingValue.logLevel,
            store: { $0.diagnostics.logLevel = $1 }, show: { $0.diagnostics.logLevel.rawValue }),
        .section(
            "system/diagnostics", "log_file", default: "", documented: "standard error", accepts: "A path",
            parse: { .success($0) }, store: { $0.diagnostics.logFile = $1 }, show: { $0.diagnostics.logFile ?? "" }),
    ]
}
