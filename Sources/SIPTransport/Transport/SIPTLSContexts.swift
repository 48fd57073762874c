import NIOSSL

/// NIOSSL contexts built from ``SIPTransportConfiguration/TLS``. Loading reads files, so it is never
/// done per connection: the server context at start, the client context at the first TLS connection
/// we open. Loading the system's trust store takes milliseconds on the event loop, and a loop may be
/// shared by many phones that never use TLS: they should not pay it.
struct SIPTLSContexts {
    private let tls: SIPTransportConfiguration.TLS
    private var cachedClient: Result<NIOSSLContext, SIPTransportError>?
    /// For the TLS listener; nil when no certificate is configured.
    var server: Result<NIOSSLContext, SIPTransportError>?

    /// For connections we open, built on first use; an error here fails every TLS send with the reason.
    mutating func client() -> Result<NIOSSLContext, SIPTransportError> {
        if let cachedClient { return cachedClient }
        let made = Self.makeClient(tls)
        cachedClient = made
        return made
    }

    private static func identity(_ tls: SIPTransportConfiguration.TLS)
        -> Result<([NIOSSLCertificate], NIOSSLPrivateKey)?, SIPTransportError>
    {
        Result { () throws(SIPTransportError) -> ([NIOSSLCertificate], NIOSSLPrivateKey)? in
            guard let chainFile = tls.certificateChainFile, let keyFile = tls.privateKeyFile else { return nil }
            do {
                return (try NIOSSLCertificate.fromPEMFile(chainFile), try NIOSSLPrivateKey(file: keyFile, format: .pem))
            } catch {
                throw SIPTransportError(.tlsConfigurationInvalid, "cannot load \(chainFile) / \(keyFile): \(error)")
            }
        }
    }

    private static func makeClient(_ tls: SIPTransportConfiguration.TLS) -> Result<NIOSSLContext, SIPTransportError> {
        Result { () throws(SIPTransportError) -> NIOSSLContext in
            var configuration = TLSConfiguration.makeClientConfiguration()
            switch tls.trustRoots {
            case .system: configuration.trustRoots = .default
            case .file(let path): configuration.trustRoots = .file(path)
            }
            configuration.certificateVerification = tls.verifiesCertificates ? .fullVerification : .none
            if let (chain, key) = try identity(tls).get() {
                configuration.certificateChain = chain.map { .certificate($0) }
                configuration.privateKey = .privateKey(key)
            }
            do {
                return try NIOSSLContext(configuration: configuration)
            } catch {
                throw SIPTransportError(.tlsConfigurationInvalid, "TLS client context: \(error)")
            }
        }
    }

    init(_ tls: SIPTransportConfiguration.TLS, needsServer: Bool) {
        self.tls = tls
        let identity = Self.identity(tls)
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
