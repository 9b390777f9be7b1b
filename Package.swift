// swift-tools-version:6.0
// Gloss: an offline-first annotation ledger. See README.md and Protocol/.
import PackageDescription

let package = Package(
    name: "Gloss",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "gloss", targets: ["gloss"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries: the distribution's libcrypto and libsqlite3, never vendored copies.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]),

        .target(name: "GlossCore", dependencies: ["COpenSSL"]),
        .target(name: "GlossStore", dependencies: ["GlossCore", "CSQLite"]),
        .target(name: "GlossReplay", dependencies: ["GlossCore"]),
        .target(name: "GlossLedger", dependencies: ["GlossCore", "GlossStore", "GlossReplay"]),
        .executableTarget(name: "gloss", dependencies: [
            "GlossCore", "GlossStore", "GlossReplay", "GlossLedger",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .executableTarget(name: "Benchmarks", dependencies: ["GlossCore", "GlossStore", "GlossReplay", "GlossLedger"], path: "Benchmarks"),

        .testTarget(name: "GlossCoreTests", dependencies: ["GlossCore"]),
        .testTarget(name: "GlossStoreTests", dependencies: ["GlossStore", "GlossCore"]),
        .testTarget(name: "GlossReplayTests", dependencies: ["GlossReplay", "GlossCore"]),
        .testTarget(name: "GlossLedgerTests", dependencies: ["GlossLedger", "GlossStore", "GlossReplay", "GlossCore"]),
        .testTarget(name: "IntegrationTests", dependencies: ["gloss"]),
    ],
    swiftLanguageModes: [.v6]
)
