// swift-tools-version:6.1
// hkt-serve: an HTTP inference service for visual anomaly detection (HKT / HKT+).
// Modules, lowest first; each imports only those above it (docs/ARCHITECTURE.md).
import PackageDescription

let package = Package(
    name: "hkt-serve",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "hkt-serve", targets: ["hkt-serve"]),
        .library(name: "Inference", targets: ["Inference"]),
        .library(name: "Imaging", targets: ["Imaging"]),
        .library(name: "HTTPServer", targets: ["HTTPServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
    ],
    targets: [
        // System libraries (module.modulemap + pkg-config + apt provider).
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg62-turbo-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CNGHTTP2", pkgConfig: "libnghttp2", providers: [.apt(["libnghttp2-dev"])]),
        // epoll and eventfd, which the Glibc module does not export.
        .systemLibrary(name: "CLinuxIO"),
        // libjpeg/libpng report errors by longjmp; this C target owns every setjmp so no
        // longjmp ever crosses a Swift frame.
        .target(name: "CCodecs", dependencies: ["CJPEG", "CPNG"]),

        .target(name: "Inference", dependencies: ["CBLAS"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"])]),
        .target(name: "Imaging", dependencies: ["CCodecs"]),
        .target(name: "HTTPServer", dependencies: [
            "CNGHTTP2", "CLinuxIO",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Service", dependencies: [
            "Inference", "Imaging", "HTTPServer",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .executableTarget(name: "hkt-serve", dependencies: [
            "Service",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "InferenceTests", dependencies: ["Inference"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging"], exclude: ["leakcheck.sh"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer"]),
        .testTarget(name: "ServiceTests", dependencies: ["Service"]),
    ],
    swiftLanguageModes: [.v6]
)
