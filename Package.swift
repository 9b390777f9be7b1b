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
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.30.0"),
    ],
    targets: [
        // System libraries: the distribution's libcrypto and libsqlite3, never vendored copies.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]),

        .target(name: "GlossCore", dependencies: ["COpenSSL"]),
        .target(name: "GlossStore", dependencies: ["GlossCore", "GlossReplay", "CSQLite"]),
        .target(name: "GlossReplay", dependencies: ["GlossCore"]),
        .target(name: "GlossLedger", dependencies: ["GlossCore", "GlossStore", "GlossReplay"]),
        // The sync protocol: frames, messages, handshake, the session state machine, range
        // reconciliation. Pure: no I/O, and nothing of the store (GlossCore only).
        .target(name: "GlossSync", dependencies: ["GlossCore"]),
        // SwiftNIO carrying the session's bytes: server, client, one driver per connection.
        .target(name: "GlossTransport", dependencies: [
            "GlossCore", "GlossStore", "GlossLedger", "GlossSync",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // `gloss web`: a local reading and annotating app over the ledger, on loopback. The
        // request gate and the API's decisions are values; Hummingbird carries the HTTP.
        .target(name: "GlossWeb", dependencies: [
            "GlossCore", "GlossStore", "GlossReplay", "GlossLedger", "GlossSync", "GlossTransport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ], resources: [
            .embedInCode("Assets/index.html"), .embedInCode("Assets/app.css"),
            .embedInCode("Assets/main.js"), .embedInCode("Assets/api.js"), .embedInCode("Assets/dom.js"),
            .embedInCode("Assets/state.js"), .embedInCode("Assets/selection.js"), .embedInCode("Assets/reader.js"),
            .embedInCode("Assets/thread.js"), .embedInCode("Assets/popover.js"), .embedInCode("Assets/library.js"),
            .embedInCode("Assets/search.js"), .embedInCode("Assets/live.js"), .embedInCode("Assets/sync.js"),
        ]),
        // The hub (`gloss serve --store postgres://…`): the sync store in PostgreSQL through
        // PostgresNIO, so that several serve processes share one log.
        .target(name: "GlossHub", dependencies: [
            "GlossCore", "GlossReplay", "GlossStore", "GlossLedger", "GlossSync",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Fuzz targets: replays a corpus normally; built with libFuzzer by `make fuzz`.
        .executableTarget(name: "GlossFuzz", dependencies: ["GlossCore", "GlossSync"],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(name: "gloss", dependencies: [
            "GlossCore", "GlossStore", "GlossReplay", "GlossLedger", "GlossSync", "GlossTransport", "GlossWeb", "GlossHub",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .executableTarget(name: "Benchmarks", dependencies: ["GlossCore", "GlossStore", "GlossReplay", "GlossLedger", "GlossSync", "GlossTestSupport", "GlossWeb", "CSQLite",
                                                          .product(name: "Logging", package: "swift-log")], path: "Benchmarks"),

        // Shared by tests and benchmarks, never linked into gloss: a sync session run in memory
        // against a real SQLite ledger, flight by flight.
        .target(name: "GlossTestSupport", dependencies: ["GlossCore", "GlossReplay", "GlossStore", "GlossSync", "GlossTransport"], path: "Tests/GlossTestSupport"),

        .testTarget(name: "GlossCoreTests", dependencies: ["GlossCore"]),
        .testTarget(name: "GlossStoreTests", dependencies: ["GlossStore", "GlossCore", "GlossTestSupport"]),
        .testTarget(name: "GlossReplayTests", dependencies: ["GlossReplay", "GlossCore"]),
        .testTarget(name: "GlossLedgerTests", dependencies: ["GlossLedger", "GlossStore", "GlossReplay", "GlossCore", "GlossTestSupport"]),
        .testTarget(name: "GlossSyncTests", dependencies: ["GlossSync", "GlossLedger", "GlossStore", "GlossCore", "GlossTransport", "GlossTestSupport"]),
        .testTarget(name: "GlossWebTests", dependencies: ["GlossWeb", "GlossCore", "GlossReplay"]),
        .testTarget(name: "IntegrationTests", dependencies: ["gloss", "GlossSync", "GlossStore", "GlossCore", "GlossTestSupport"]),
        .testTarget(name: "GlossHubTests", dependencies: ["GlossHub", "GlossStore", "GlossReplay", "GlossCore", "GlossTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
