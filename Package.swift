// swift-tools-version:6.1
import PackageDescription

// Layers (DESIGN.md §2); an arrow means "imports", nothing imports upward:
//
//   QuickStart → SipEndpointConfig, SipEndpoint, SIPMedia (WAV checks, the demo's tone detector), SIPCore;
//                its demo → SIPTestSupport (in-process sites)
//   SipEndpointConfig → SipEndpoint, Foundation/FoundationXML (the SipEndpoint.config loader)
//   SipEndpoint → SIPUserAgent, SIPTransport, SIPTransaction, SIPCore (the public façade)
//   SIPUserAgent → SIPTransaction, SIPCore, CCrypto (OpenSSL libcrypto: digest hashes)
//   SIPMedia → SIPCore, CSRTP (libsrtp2 + libcrypto's RAND_bytes), NIOCore, NIOPosix (SDP, SDES, RFC 3264 offer/answer, RTP/RTCP streams as values; their
//              driver adopts the reserved RTP sockets as NIO datagram channels)
//   SIPTransaction → SIPTransport, SIPCore (pure §17 machines on status codes, and their thin driver)
//   SIPTransport → SIPCore, CAres (c-ares + glibc libresolv: RFC 3263 server location), NIO, NIOSSL
//   SIPCore → NIOCore (message model, parser, serializer; no I/O)
//   SIPTestSupport → SIPUserAgent, SIPMedia, SIPTransaction, SIPTransport, SIPCore (scriptable peers,
//                    in-process sites whose test numbers echo RTP; lab launcher: Kamailio sites, SIPp)
//
// Each layer is its own target; share across targets with `package` access.
let package = Package(
    name: "SipEndpoint",
    products: [
        .library(name: "SIPCore", targets: ["SIPCore"]),
        .library(name: "SIPTransport", targets: ["SIPTransport"]),
        .library(name: "SIPMedia", targets: ["SIPMedia"]),
        .library(name: "SipEndpoint", targets: ["SipEndpoint"]),
        .library(name: "SipEndpointConfig", targets: ["SipEndpointConfig"]),
        .library(name: "SIPTestSupport", targets: ["SIPTestSupport"]),
        .executable(name: "QuickStart", targets: ["QuickStart"]),
        .executable(name: "CallBench", targets: ["CallBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    ],
    targets: [
        .target(
            name: "SIPCore",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        // RFC 3263 server location asks DNS through c-ares (Debian 12: libc-ares-dev 1.18.1).
        .systemLibrary(
            name: "CAres",
            pkgConfig: "libcares",
            providers: [.apt(["libc-ares-dev"])]
        ),
        .target(
            name: "SIPTransport",
            dependencies: [
                "SIPCore", "CAres",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SIPTransaction",
            dependencies: [
                "SIPTransport", "SIPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // SRTP/SRTCP (RFC 3711) from libsrtp 2 (Debian 12: libsrtp2-dev 2.5.0), SDES keys from libcrypto's CSPRNG.
        .systemLibrary(
            name: "CSRTP",
            pkgConfig: "libsrtp2",
            providers: [.apt(["libsrtp2-dev", "libssl-dev"])]
        ),
        .target(
            name: "SIPMedia",
            dependencies: [
                "SIPCore", "CSRTP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Digest hashes from OpenSSL's libcrypto (libssl-dev): builds in seconds, where swift-crypto would
        // compile a second BoringSSL beside swift-nio-ssl's.
        .systemLibrary(
            name: "CCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(
            name: "SIPUserAgent",
            dependencies: [
                "SIPCore", "SIPTransaction", "SIPTransport", "CCrypto",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SipEndpoint",
            dependencies: [
                "SIPUserAgent", "SIPMedia", "SIPTransport", "SIPTransaction", "SIPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        // The XML front end of SipEndpointConfiguration; Foundation's XMLParser (libxml2) reports lines.
        .target(
            name: "SipEndpointConfig",
            dependencies: ["SipEndpoint"]
        ),
        .target(
            name: "SIPTestSupport",
            dependencies: [
                "SIPTransport", "SIPTransaction", "SIPUserAgent", "SIPMedia", "SIPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "QuickStart",
            dependencies: [
                "SIPCore", "SipEndpoint", "SipEndpointConfig", "SIPMedia", "SIPTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "QuickStart"
        ),
        .executableTarget(
            name: "SipBench",
            dependencies: ["SIPCore"],
            path: "Benchmarks/SipBench"
        ),
        // Issue 4's agent-desktop load: in-process digest registrars and the phone-driving run, shared by
        // RegistrationBench and the smoke test in SipEndpointTests.
        .target(
            name: "RegistrationLoad",
            dependencies: [
                "SipEndpoint", "SIPUserAgent", "SIPTransaction", "SIPTransport", "SIPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/RegistrationLoad"
        ),
        .executableTarget(
            name: "RegistrationBench",
            dependencies: [
                "RegistrationLoad", "SipEndpoint",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/RegistrationBench"
        ),
        .executableTarget(
            name: "TransportBench",
            dependencies: [
                "SIPTransport", "SIPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/TransportBench"
        ),
        .executableTarget(
            name: "TransactionBench",
            dependencies: [
                "SIPTransaction", "SIPTransport", "SIPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/TransactionBench"
        ),
        // Issue 8: concurrent G.711 calls with media, both ends in process, packets more than 5 ms late counted.
        // The cost of a ringing call's end at 1,000 and 10,000 calls ringing (it must not grow).
        .executableTarget(
            name: "RingingBench",
            dependencies: [
                "SIPUserAgent", "SIPTransaction", "SIPTransport", "SIPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/RingingBench"
        ),
        .executableTarget(
            name: "MediaBench",
            dependencies: [
                "SIPMedia",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/MediaBench"
        ),
        .executableTarget(
            name: "CallBench",
            dependencies: ["SipEndpoint", "SIPTestSupport"],
            path: "Benchmarks/CallBench"
        ),
        .testTarget(name: "SIPCoreTests", dependencies: ["SIPCore"]),
        .testTarget(
            name: "SIPTransactionTests",
            dependencies: [
                "SIPTransaction", "SIPTransport", "SIPTestSupport", "SIPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "SIPTransportTests",
            dependencies: [
                "SIPTransport", "SIPTestSupport", "SIPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SIPUserAgentTests",
            dependencies: [
                "SIPUserAgent", "SIPTransaction", "SIPTransport", "SIPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "QuickStartTests",
            dependencies: ["SIPTestSupport", "SIPMedia", "SIPCore"]
        ),
        .testTarget(name: "SipEndpointConfigTests", dependencies: ["SipEndpointConfig", "SipEndpoint"]),
        .testTarget(
            name: "SIPMediaTests",
            dependencies: ["SIPMedia", "SIPCore", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "SipEndpointTests",
            dependencies: [
                "SipEndpoint", "SIPTestSupport", "RegistrationLoad", "SIPMedia", "SIPTransport", "SIPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SIPTestSupportTests",
            dependencies: [
                "SIPTestSupport", "SIPUserAgent", "SIPTransport", "SIPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
