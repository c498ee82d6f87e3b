// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "civicgate",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "civicgate", targets: ["civicgate"]),
        .executable(name: "hop-benchmark", targets: ["HopBenchmark"]),
        .executable(name: "crew-benchmark", targets: ["CrewBenchmark"]),
        .executable(name: "duplicate-benchmark", targets: ["DuplicateBenchmark"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // Tickets, references, MSISDNs, the services catalogue and routing. No I/O, no frameworks.
        .target(name: "Domain"),
        // The pure USSD/SMS state machine: (session, input, context) -> (session, screen, effects).
        .target(name: "FlowEngine", dependencies: ["Domain"]),
        // Reads menus/ and locales/ (YAML) into FlowEngine types and validates them.
        .target(name: "FlowDefinitions", dependencies: [
            "FlowEngine", "Domain", .product(name: "Yams", package: "Yams"),
        ]),
        // The application core: one USSD hop = load, step the engine, apply effects, save. Ports only.
        .target(name: "Gateway", dependencies: [
            "FlowEngine", "Domain", .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
        ]),
        // Between the gateway and the two drivers, importing neither: SQL written once (rendered
        // `?` for SQLite, `$n` for PostgreSQL), rows read by column name, the ticket desk's statements.
        .target(name: "Persistence", dependencies: ["Gateway", "Domain", "FlowEngine"]),
        // The only GRDB importer.
        .target(name: "Store", dependencies: [
            "Persistence", "Gateway", "Domain", "FlowEngine", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
        ]),
        // The only PostgresNIO importer: the same ports on PostgreSQL, for several instances on one database.
        .target(name: "PostgresStore", dependencies: [
            "Persistence", "Gateway", "Domain", "FlowEngine",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // libcurl as a system library, with fixed-type wrappers for its variadic calls.
        .systemLibrary(name: "CCurl", path: "Sources/CCurl"),
        // SMS providers (Kannel, Africa's Talking, log) and the outbox sender; with Mail, the CCurl importers.
        .target(name: "SMS", dependencies: [
            "CCurl", "Gateway", "Domain", "FlowEngine",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // Staff e-mail (escalations) through libcurl's SMTP, and its sender.
        .target(name: "Mail", dependencies: [
            "CCurl", "Gateway", "Domain",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // Aggregator adapters: provider requests -> one normalised event, replies -> provider format.
        .target(name: "Channels", dependencies: ["Gateway"]),
        // The only Hummingbird importer.
        .target(name: "Web", dependencies: [
            "Gateway", "Channels", "Domain", "FlowEngine",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Mustache", package: "swift-mustache"),
        ], exclude: ["Console/Templates"]),
        .executableTarget(name: "civicgate", dependencies: [
            "Web", "Store", "PostgresStore", "Persistence", "SMS", "Mail", "FlowDefinitions", "Gateway", "Domain", "FlowEngine",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // One USSD hop in-process (parse, gateway, store, render): `swift run -c release hop-benchmark`.
        .executableTarget(name: "HopBenchmark", dependencies: [
            "Channels", "Store", "FlowDefinitions", "Gateway", "Domain",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Benchmarks/HopBenchmark"),
        // A crew's JOBS and "My jobs" under 500 crews and 20,000 open jobs: `swift run -c release crew-benchmark`.
        .executableTarget(name: "CrewBenchmark", dependencies: [
            "Store", "FlowDefinitions", "Gateway", "Domain",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Benchmarks/CrewBenchmark"),
        // What "already reported" costs the confirmation hop with 200,000 open tickets: `swift run -c release duplicate-benchmark`.
        .executableTarget(name: "DuplicateBenchmark", dependencies: [
            "Store", "FlowDefinitions", "FlowEngine", "Gateway", "Domain",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Benchmarks/DuplicateBenchmark"),
        // Shared by the test targets: a gateway over the shipped menus, a test clock, seeded references.
        .target(name: "TestSupport", dependencies: [
            "Domain", "FlowEngine", "FlowDefinitions", "Gateway", "Store", "Web", "PostgresStore",
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ], path: "Tests/TestSupport"),
        .testTarget(name: "DomainTests", dependencies: ["Domain", "TestSupport"]),
        .testTarget(name: "FlowEngineTests", dependencies: ["FlowEngine", "FlowDefinitions", "Domain", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "StoreTests", dependencies: ["Persistence", "Store", "PostgresStore", "Gateway", "Domain", "FlowEngine", "TestSupport"]),
        .testTarget(name: "SMSTests", dependencies: [
            "SMS", "Mail", "Gateway", "Store", "Domain", "FlowEngine", "TestSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .testTarget(name: "GatewayTests", dependencies: ["Gateway", "Store", "FlowDefinitions", "FlowEngine", "Domain", "Channels", "TestSupport"],
                    exclude: ["Scenarios", "Transcripts"]),
        .testTarget(name: "WebTests", dependencies: [
            "Web", "Gateway", "Store", "FlowDefinitions", "Domain", "Channels", "civicgate", "TestSupport",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
