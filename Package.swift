// swift-tools-version:6.1
import PackageDescription

// The layers, from SwiftPM's declared dependencies (PackageGraphTests checks that these arrows are
// exactly the targets each one declares, and `Scripts/test` builds with
// `--explicit-target-dependency-import-check error`, so an import nobody declared fails the build).
// An arrow means "depends on"; nothing depends upward. Libraries from other packages are named after
// the colon.
//
//   QuickStart → SipEndpointConfig, SipEndpoint, SIPInProcessSites, SIPMedia, SIPCore: the CLI; its demo
//                runs two SIP sites in the process; ArgumentParser, Logging, Prometheus and NIOHTTP1
//                (`run --metrics`)
//   SipEndpointConfig → SipEndpoint: the SipEndpoint.config loader (Foundation's XMLParser reports lines)
//   SipEndpoint → SIPUserAgent, SIPMedia, SIPTransport, SIPTransaction, SIPCore: the public façade;
//                 ServiceLifecycle, Metrics, Logging, NIO
//   SIPInProcessSites → SIPUserAgent, SIPMedia, SIPTransaction, SIPTransport, SIPCore: whole SIP sites
//                       in the process (registrar, test numbers, death and revival) for the demo and tests
//   SIPUserAgent → SIPTransaction, SIPTransport, SIPCore, CCrypto: registration, dialogs, INVITE sessions
//                  and digest as machines plus their drivers; CCrypto is OpenSSL's libcrypto
//   SIPMedia → SIPCore, CSRTP: SDP and SDES, RFC 3264 offer/answer, RTP/RTCP streams as values and their
//              NIO driver; CSRTP is libsrtp2 (SRTP/SRTCP) with libcrypto
//   SIPTransaction → SIPTransport, SIPCore: the RFC 3261 §17 machines and their driver
//   SIPTransport → SIPCore, CAres: UDP/TCP/TLS over NIO and NIOSSL; RFC 3263 server location over c-ares
//   SIPCore → nothing: message model, byte parser, serializer; NIOCore only, no I/O
//   SIPTestSupport → SIPInProcessSites, SIPUserAgent, SIPTransaction, SIPTransport, SIPCore: test-only
//                    (no product, no executable links it): scriptable peers and the lab launchers
//                    (Kamailio sites, SIPp, dnsmasq)
//
// Benchmarks/, Examples/ and Fuzz/ are executables the package builds and does not ship. The fuzz
// targets are libFuzzer entry points (`Scripts/fuzz-parser`, `Scripts/fuzz-media` build them with
// `-DLIBFUZZER` and the sanitizer); in the normal build each replays its seed corpus instead, which a
// test does. Being in the package, they reach SIPMedia's `package` types as its own tests do. Targets share
// across layers with `package` access.
let package = Package(
    name: "SipEndpoint",
    products: [
        .library(name: "SIPCore", targets: ["SIPCore"]),
        .library(name: "SIPTransport", targets: ["SIPTransport"]),
        .library(name: "SipEndpoint", targets: ["SipEndpoint"]),
        .library(name: "SipEndpointConfig", targets: ["SipEndpointConfig"]),
        .library(name: "SIPInProcessSites", targets: ["SIPInProcessSites"]),
        .executable(name: "QuickStart", targets: ["QuickStart"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
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
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SipEndpoint",
            dependencies: [
                "SIPUserAgent", "SIPMedia", "SIPTransport", "SIPTransaction", "SIPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
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
            name: "SIPInProcessSites",
            dependencies: [
                "SIPUserAgent", "SIPMedia", "SIPTransaction", "SIPTransport", "SIPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SIPTestSupport",
            dependencies: [
                "SIPInProcessSites", "SIPUserAgent", "SIPTransaction", "SIPTransport", "SIPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "QuickStart",
            dependencies: [
                "SipEndpointConfig", "SipEndpoint", "SIPInProcessSites", "SIPMedia", "SIPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "QuickStart"
        ),
        .executableTarget(
            name: "SipBench",
            dependencies: ["SIPCore", .product(name: "NIOCore", package: "swift-nio")],
            path: "Benchmarks/SipBench"
        ),
        // The agent-desktop load: in-process digest registrars and the phone-driving run, shared by
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
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
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
        // Concurrent G.711 calls with media, both ends in process, packets more than 5 ms late counted.
        .executableTarget(
            name: "MediaBench",
            dependencies: [
                "SIPMedia",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/MediaBench"
        ),
        // Whole calls at a steady rate through a real site, shared by CallBench's lab mode and its lab
        // test in SipEndpointTests.
        .target(
            name: "CallLoad",
            dependencies: [
                "SipEndpoint", .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/CallLoad"
        ),
        .executableTarget(
            name: "CallBench",
            dependencies: ["CallLoad", "SipEndpoint", "SIPInProcessSites"],
            path: "Benchmarks/CallBench"
        ),
        // libFuzzer targets; without -DLIBFUZZER they replay input files (FuzzReplay).
        .target(name: "FuzzReplay", path: "Fuzz/FuzzReplay"),
        .executableTarget(
            name: "SIPParserFuzzer",
            dependencies: ["SIPCore", "FuzzReplay", .product(name: "NIOCore", package: "swift-nio")],
            path: "Fuzz/SIPParserFuzzer",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
        .executableTarget(
            name: "SIPMediaFuzzer",
            dependencies: ["SIPMedia", "FuzzReplay", .product(name: "NIOCore", package: "swift-nio")],
            path: "Fuzz/SIPMediaFuzzer",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
        // The README's library example, run to the end by ExampleTests.
        .executableTarget(
            name: "AgentDesktop",
            dependencies: ["SipEndpoint", "SipEndpointConfig", "SIPInProcessSites"],
            path: "Examples/AgentDesktop"
        ),
        .testTarget(name: "SIPCoreTests", dependencies: ["SIPCore"]),
        // Package.swift's comment against SwiftPM's reading of the manifest; the example run to its end.
        .testTarget(name: "PackageTests", dependencies: ["SIPTestSupport"]),
        .testTarget(
            name: "SIPTransactionTests",
            dependencies: [
                "SIPTransaction", "SIPTransport", "SIPTestSupport", "SIPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
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
        .testTarget(
            name: "SipEndpointConfigTests",
            dependencies: ["SipEndpointConfig", "SipEndpoint", "SIPTestSupport", "SIPCore"]
        ),
        .testTarget(
            name: "SIPMediaTests",
            dependencies: ["SIPMedia", "SIPCore", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "SipEndpointTests",
            dependencies: [
                "SipEndpoint", "SIPTestSupport", "RegistrationLoad", "CallLoad", "SIPMedia", "SIPTransport", "SIPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
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
