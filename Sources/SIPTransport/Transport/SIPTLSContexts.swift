import NIOSSL

/// NIOSSL contexts built once from ``SIPTransportConfiguration/TLS``. Loading reads files, so it is
/// done at start, never per connection.
struct SIPTLSContexts {
    /// For connections we open; an error here fails every TLS send with the reason.
    var client: Result<NIOSSLContext, SIPTransportError>
    /// For the TLS listener; nil when no certificate is configured.
    var server: Result<NIOSSLContext, SIPTransportError>?

    init(_ tls: SIPTransportConfiguration.TLS, needsServer: Bool) {
        let identity = Result { () throws(SIPTransportError) -> ([NIOSSLCertificate], NIOSSLPrivateKey)? in
            guard let chainFile = tls.certificateChainFile, let keyFile = tls.privateKeyFile else { return nil }
            do {
                return (try NIOSSLCertificate.fromPEMFile(chainFile), try NIOSSLPrivateKey(file: keyFile, format: .pem))
            } catch {
                throw SIPTransportError(.tlsConfigurationInvalid, "cannot load \(chainFile) / \(keyFile): \(error)")
            }
        }

        client = Result { () throws(SIPTransportError) -> NIOSSLContext in
            var configuration = TLSConfiguration.makeClientConfiguration()
            switch tls.trustRoots {
            case .system: configuration.trustRoots = .default
            case .file(let path): configuration.trustRoots = .file(path)
            }
            configuration.certificateVerification = tls.verifiesCertificates ? .fullVerification : .none
            if let (chain, key) = try identity.get() {
                configuration.certificateChain = chain.map { .certificate($0) }
                configuration.privateKey = .privateKey(key)
            }
            do {
                return try NIOSSLContext(configuration: configuration)
            } catch {
                throw SIPTransportError(.tlsConfigurationInvalid, "TLS client context: \(error)")
            }
        }

        guard needsServer else {
            server = nil
            return
        }
        server = Result { () throws(SIPTransportError) -> NIOSSLContext in
            guard let (chain, key) = try identity.get() else {
                throw SIPTransportError(
                    .tlsConfigurationInvalid, "a TLS listener needs certificateChainFile and privateKeyFile")
            }
            // Clients of a SIP server rarely present certificates (RFC 5630 §3.1.3); not asked for.
            let configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            do {
                return try NIOSSLContext(configuration: configuration)
            } catch {
                throw SIPTransportError(.tlsConfigurationInvalid, "TLS server context: \(error)")
            }
        }
    }
}
