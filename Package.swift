// swift-tools-version:6.1
import PackageDescription

// Layers (DESIGN.md §2); an arrow means "imports", nothing imports upward:
//   QuickStart → SIPCore
//   SIPTransaction → NIOCore (pure §17 machines: they reason about status codes, not messages)
//   SIPUserAgent → SIPCore, SIPTransaction, CCrypto (OpenSSL libcrypto, for digest hashes), NIOCore
// Each layer is its own target; share across targets with `package` access.
let package = Package(
    name: "SipEndpoint",
    products: [
        .library(name: "SIPCore", targets: ["SIPCore"]),
        .executable(name: "QuickStart", targets: ["QuickStart"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
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
        .testTarget(
            name: "SIPUserAgentTests",
            dependencies: ["SIPUserAgent", "SIPCore", .product(name: "NIOCore", package: "swift-nio")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
