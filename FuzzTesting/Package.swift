// swift-tools-version:6.1
// libFuzzer targets for hkt-serve, one executable target per fuzzer.
// Build and run with FuzzTesting/smoke.sh (swift build -Xswiftc -sanitize=fuzzer,address
// -Xswiftc -parse-as-library). To add a fuzzer: add Sources/<Name>Fuzzer/<Name>Fuzzer.swift
// exporting LLVMFuzzerTestOneInput, one `.executableTarget` line below, and its name to the
// FUZZERS list in smoke.sh.
import Foundation
import PackageDescription

// A path dependency's identity is its directory name ("hkt-serve" in a fresh clone, anything
// in a work tree), so derive it instead of hard-coding it.
let rootName = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "FuzzTesting",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: ".."),
    ],
    targets: [
        .executableTarget(name: "HTTPParserFuzzer", dependencies: [
            .product(name: "HTTPServer", package: rootName),
        ]),
        .executableTarget(name: "JPEGDecodeFuzzer", dependencies: [.product(name: "Imaging", package: rootName)]),
        .executableTarget(name: "PNGDecodeFuzzer", dependencies: [.product(name: "Imaging", package: rootName)]),
        .executableTarget(name: "SafetensorsFuzzer", dependencies: [.product(name: "Inference", package: rootName)]),
    ],
    swiftLanguageModes: [.v6]
)
