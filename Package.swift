// swift-tools-version:6.1
import PackageDescription

// Layers (DESIGN.md §2); an arrow means "imports", nothing imports upward:
//   QuickStart → SIPCore
//   SIPTransport → CAres (system library: c-ares + glibc libresolv), NIOCore
// (branch dns: the QuickStart, SipBench and SIPCoreTests targets are left out here because their
// directories live in the lead's worktree, not in this branch; the merge restores them.)
// Each layer is its own target; share across targets with `package` access.
let package = Package(
    name: "SipEndpoint",
    products: [
        .library(name: "SIPCore", targets: ["SIPCore"]),
        .library(name: "SIPTransport", targets: ["SIPTransport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
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
                "CAres",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "SIPTransportTests", dependencies: ["SIPTransport"]),
    ],
    swiftLanguageModes: [.v6]
)
