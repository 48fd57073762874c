import Foundation
import NIOConcurrencyHelpers

/// A throwaway CA and a server certificate it signed, for `localhost` (and optionally its addresses), made
/// with the `openssl` command at test time so no key material lives in the repository.
public struct SIPTestCertificates: Sendable {
    /// The folder holding every file below.
    public let directory: String
    /// PEM certificate of the CA: trust it (``SIPTransportConfiguration/TLS/TrustRoots/file(_:)``).
    public let caCertificateFile: String
    /// PEM certificate of the server (also usable as a client certificate).
    public let certificateFile: String
    /// PEM private key of ``certificateFile``.
    public let privateKeyFile: String

    public struct GenerationError: Error, CustomStringConvertible {
        public let description: String
    }

    /// One set per process: generating costs a few hundred milliseconds.
    public static func shared() throws -> SIPTestCertificates {
        try cache.withLockedValue { cached in
            if let cached { return cached }
            let made = try generate()
            cached = made
            return made
        }
    }

    private static let cache = NIOLockedValueBox<SIPTestCertificates?>(nil)

    /// Generates a new CA and server certificate (EC P-256, valid for two days) in `directory`, or in a
    /// new temporary folder. The certificate names `localhost`; with `includeIPAddresses` also
    /// 127.0.0.1 and ::1. Leave those out to test the hostname check: NIOSSL accepts a certificate
    /// whose IP address matches the peer's whatever name was asked for.
    public static func generate(in directory: String? = nil, includeIPAddresses: Bool = false) throws
        -> SIPTestCertificates
    {
        let folder = directory ?? (NSTemporaryDirectory() + "sip-test-certs-" + UUID().uuidString)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = { (name: String) in folder + "/" + name }
        try Data(
            """
            basicConstraints=CA:FALSE
            keyUsage=critical,digitalSignature,keyEncipherment
            extendedKeyUsage=serverAuth,clientAuth
            subjectAltName=DNS:localhost\(includeIPAddresses ? ",IP:127.0.0.1,IP:::1" : "")

            """.utf8
        ).write(to: URL(fileURLWithPath: path("server.ext")))
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(
            ["req", "-x509"] + ec + [
                "-keyout", path("ca.key"), "-out", path("ca.pem"), "-days", "2", "-subj", "/CN=SipEndpoint Test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ])
        try openssl(
            ["req"] + ec + ["-keyout", path("server.key"), "-out", path("server.csr"), "-subj", "/CN=localhost"])
        try openssl([
            "x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
            "-CAcreateserial", "-out", path("server.pem"), "-days", "2", "-extfile", path("server.ext"),
        ])
        return SIPTestCertificates(
            directory: folder, caCertificateFile: path("ca.pem"), certificateFile: path("server.pem"),
            privateKeyFile: path("server.key"))
    }

    private static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Read before waiting: a full stderr pipe would otherwise block openssl and us with it.
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw GenerationError(description: "openssl \(arguments.first ?? "") failed: \(text)")
        }
    }
}
