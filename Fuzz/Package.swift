// swift-tools-version:6.1
import PackageDescription

// The libFuzzer target for SIPCore's parser, in its own package so the main package's normal build
// never sees sanitizer flags. Build and run it with `Scripts/fuzz-parser SECONDS` from the root.
//
// `-parse-as-library`: libFuzzer supplies `main`, so the target must not emit one of its own.
let package = Package(
    name: "SIPFuzz",
    dependencies: [
        .package(name: "SipEndpoint", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "SIPParserFuzzer",
            dependencies: [
                .product(name: "SIPCore", package: "SipEndpoint"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    ],
    swiftLanguageModes: [.v6]
)
