// swift-tools-version:6.1
import PackageDescription

// Layers (DESIGN.md §2); an arrow means "imports", nothing imports upward:
//
//   QuickStart → SipEndpoint, SIPCore
//   SipEndpoint → SIPUserAgent, SIPTransport, SIPTransaction, SIPCore (the public façade)
//   SIPUserAgent → SIPTransaction, SIPCore, CCrypto (OpenSSL libcrypto: digest hashes)
//   SIPTransaction → SIPTransport, SIPCore (pure §17 machines on status codes, and their thin driver)
//   SIPTransport → SIPCore, CAres (c-ares + glibc libresolv: RFC 3263 server location), NIO, NIOSSL
//   SIPCore → NIOCore (message model, parser, serializer; no I/O)
//   SIPTestSupport → SIPUserAgent (digest verification in the peer), SIPTransport, SIPCore
//                    (scriptable peers; lab launcher: Kamailio sites, SIPp)
//
// Each layer is its own target; share across targets with `package` access.
let package = Package(
    name: "SipEndpoint",
    products: [
        .library(name: "SIPCore", targets: ["SIPCore"]),
        .library(name: "SIPTransport", targets: ["SIPTransport"]),
        .library(name: "SipEndpoint", targets: ["SipEndpoint"]),
        .library(name: "SIPTestSupport", targets: ["SIPTestSupport"]),
        .executable(name: "QuickStart", targets: ["QuickStart"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
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
                "SIPCore", "SIPTransaction", "CCrypto",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(
            name: "SipEndpoint",
            dependencies: ["SIPUserAgent", "SIPTransport", "SIPTransaction", "SIPCore"]
        ),
        .target(
            name: "SIPTestSupport",
            dependencies: [
                "SIPTransport", "SIPCore", "SIPUserAgent",
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
                "SIPCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "QuickStart"
        ),
        .executableTarget(
            name: "SipBench",
            dependencies: ["SIPCore"],
            path: "Benchmarks/SipBench"
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
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SIPUserAgentTests",
            dependencies: ["SIPUserAgent", "SIPCore", .product(name: "NIOCore", package: "swift-nio")]
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
