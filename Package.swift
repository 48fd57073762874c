// swift-tools-version:6.1
import PackageDescription

// Layers (DESIGN.md §2); an arrow means "imports", nothing imports upward:
//   QuickStart → SIPCore
//   SIPTestSupport → SIPTransport → SIPCore
// Each layer is its own target; share across targets with `package` access.
let package = Package(
    name: "SipEndpoint",
    products: [
        .library(name: "SIPCore", targets: ["SIPCore"]),
        .library(name: "SIPTransport", targets: ["SIPTransport"]),
        .library(name: "SIPTestSupport", targets: ["SIPTestSupport"]),
        .executable(name: "QuickStart", targets: ["QuickStart"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .target(
            name: "SIPCore",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
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
        .target(
            name: "SIPTransport",
            dependencies: [
                "SIPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SIPTestSupport",
            dependencies: [
                "SIPTransport",
                "SIPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "TransportBench",
            dependencies: [
                "SIPTransport",
                "SIPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Benchmarks/TransportBench"
        ),
        .testTarget(name: "SIPCoreTests", dependencies: ["SIPCore"]),
        .testTarget(
            name: "SIPTransportTests",
            dependencies: [
                "SIPTransport",
                "SIPTestSupport",
                "SIPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
