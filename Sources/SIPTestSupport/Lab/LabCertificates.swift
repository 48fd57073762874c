import Foundation

/// A throw-away CA and one server certificate per site, made with the `openssl` CLI at each launch so
/// no private key ever sits in the repository. Keys are EC P-256, valid two days; each site
/// certificate names the site's IP address and DNS names as subjectAltName, so clients can keep the
/// hostname check on.
public struct LabCertificates: Sendable {
    /// The CA certificate (PEM) a client must trust to talk TLS to the sites.
    public var caCertificate: URL
    /// Directory of the files: `ca.crt`, `<site>.crt`, `<site>.key`.
    public var directory: URL

    /// PEM certificate of a site.
    public func certificate(for site: KamailioSiteDescriptor) -> URL {
        directory.appendingPathComponent("\(site.fileStem).crt")
    }

    /// PEM private key of a site.
    public func privateKey(for site: KamailioSiteDescriptor) -> URL {
        directory.appendingPathComponent("\(site.fileStem).key")
    }

    /// Generates a fresh CA and the sites' certificates in `directory`, replacing what is there.
    static func generate(
        in directory: URL, sites: [KamailioSiteDescriptor], openssl: String
    ) async throws(LabError) -> LabCertificates {
        try? FileManager.default.removeItem(at: directory)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            // Our own config: the distribution's openssl.cnf adds extensions of its own to `req -x509`.
            try """
            [req]
            distinguished_name = dn
            prompt = no
            [dn]
            [ca]
            basicConstraints = critical, CA:TRUE
            keyUsage = critical, keyCertSign, cRLSign
            subjectKeyIdentifier = hash

            """.write(to: directory.appendingPathComponent("openssl.cnf"), atomically: true, encoding: .utf8)
            for site in sites {
                let names = ["IP:\(site.host)"] + site.certificateNames.map { "DNS:\($0)" }
                try """
                basicConstraints = critical, CA:FALSE
                keyUsage = critical, digitalSignature
                extendedKeyUsage = serverAuth
                subjectAltName = \(names.joined(separator: ", "))
                authorityKeyIdentifier = keyid

                """.write(
                    to: directory.appendingPathComponent("\(site.fileStem).ext"), atomically: true,
                    encoding: .utf8)
            }
        } catch {
            throw LabError(.certificateGenerationFailed, "cannot write to \(directory.path): \(error)")
        }
        let log = directory.appendingPathComponent("openssl.log")
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        var steps: [[String]] = [
            ["req", "-x509", "-config", path("openssl.cnf"), "-extensions", "ca"] + key
                + ["-keyout", path("ca.key"), "-out", path("ca.crt"), "-days", "2", "-subj", "/CN=SipEndpoint lab CA"]
        ]
        for site in sites {
            let stem = site.fileStem
            steps.append(
                ["req", "-new", "-config", path("openssl.cnf")] + key
                    + ["-keyout", path("\(stem).key"), "-out", path("\(stem).csr"), "-subj", "/CN=\(stem)"])
            steps.append([
                "x509", "-req", "-in", path("\(stem).csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"),
                "-set_serial", "0x\(String(UInt64.random(in: 1...UInt64.max), radix: 16))",
                "-days", "2", "-extfile", path("\(stem).ext"), "-out", path("\(stem).crt"),
            ])
        }
        for arguments in steps {
            let status = try await ChildProcess.run(openssl, arguments, log: log)
            guard status == 0 else {
                throw LabError(
                    .certificateGenerationFailed,
                    "openssl \(arguments.joined(separator: " ")) exited \(status); see \(log.path)")
            }
        }
        return LabCertificates(caCertificate: directory.appendingPathComponent("ca.crt"), directory: directory)
    }
}
