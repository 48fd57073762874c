// swift-tools-version:6.1
import PackageDescription

// Layers (DESIGN.md §2); an arrow means "imports", nothing imports upward:
//   QuickStart → SIPCore
//   SIPTransaction → NIOCore (pure §17 machines: they reason about status codes, not messages)
//   SIPTestSupport (lab launcher: Kamailio sites, SIPp) → NIOCore, NIOPosix; no SIP layer yet, raw text
// Each layer is its own target; share across targets with `package` access.
let package = Package(
    name: "SipEndpoint",
    products: [
        .library(name: "SIPCore", targets: ["SIPCore"]),
        .executable(name: "QuickStart", targets: ["QuickStart"]),
        .library(name: "SIPTestSupport", targets: ["SIPTestSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        .target(
            name: "SIPCore",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        .target(
            name: "SIPTransaction",
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
        .testTarget(name: "SIPCoreTests", dependencies: ["SIPCore"]),
        .testTarget(name: "SIPTransactionTests", dependencies: ["SIPTransaction"]),
        .target(
            name: "SIPTestSupport",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "SIPTestSupportTests",
            dependencies: [
                "SIPTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
