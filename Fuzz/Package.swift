// swift-tools-version:6.1
import PackageDescription

// The libFuzzer targets, in their own package so the main package's normal build never sees sanitizer
// flags. Build and run them from the root with `Scripts/fuzz-parser SECONDS` (SIPCore's parser) and
// `Scripts/fuzz-media SECONDS` (everything the network hands SIPMedia).
//
// `-parse-as-library`: libFuzzer supplies `main`, so the targets must not emit one of their own.
//
// SIPMedia shares its types with `package` access (one target per layer, sharing types without making
// them public), and `package` means "compiled with the
// same -package-name". SwiftPM names a package by its identity, which for the root package reached here
// by path is the directory it is checked out in (`main`, `wt-fuzz`, …), lowercased, every character
// that cannot go in an identifier turned into `_`. The media fuzzer is compiled under that name so it
// sees what SIPMedia's own tests see, without making anything public for its sake. (SIPCore's parser is
// public API, so SIPParserFuzzer needs none of this.)
let rootPackageName: String = {
    let directory = String(#filePath.split(separator: "/").dropLast(2).last ?? "sipendpoint")
    var name = String(directory.lowercased().map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
    if let first = name.first, first.isNumber { name = "_" + name }
    return name
}()

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
        ),
        .executableTarget(
            name: "SIPMediaFuzzer",
            dependencies: [
                .product(name: "SIPMedia", package: "SipEndpoint"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            // packageAccess: false keeps SwiftPM from adding its own -package-name (this package's), which
            // would come after ours and win.
            packageAccess: false,
            swiftSettings: [.unsafeFlags(["-parse-as-library", "-package-name", rootPackageName])]
        ),
    ],
    swiftLanguageModes: [.v6]
)
