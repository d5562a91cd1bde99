// swift-tools-version: 6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// Property-based tests of the pure modules (generators, shrinking, fixed seeds).
let propertyBased: Target.Dependency = .product(name: "PropertyBased", package: "swift-property-based")

let package = Package(
    name: "orch",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "orch", targets: ["orch"]),
        .executable(name: "orch-standin", targets: ["orch-standin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .target(
            name: "OrchSpec",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OrchGraph",
            dependencies: ["OrchSpec"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OrchExecution",
            dependencies: ["OrchSpec", "OrchGraph"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OrchTasks",
            dependencies: [
                "OrchSpec", "OrchExecution", "OrchWarehouse", "OrchPostgres", "OrchModels", "OrchSegments", "OrchSemantic", "OrchProcess",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        /// The one way orch starts another program (swift-subprocess underneath).
        .target(
            name: "OrchProcess",
            dependencies: [.product(name: "Subprocess", package: "swift-subprocess")],
            swiftSettings: swiftSettings
        ),
        /// Connections, URLs, the embedded cluster, SQL scripts, bounded waits
        /// and typed Postgres failures: the one module that reads PostgresNIO's errors.
        .target(
            name: "OrchPostgres",
            dependencies: [
                "OrchSpec", "OrchProcess",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        /// The pipelines' warehouse: sessions, table replacement, and warehouse errors as task failures.
        .target(
            name: "OrchWarehouse",
            dependencies: [
                "OrchSpec", "OrchExecution", "OrchPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OrchStore",
            dependencies: [
                "OrchSpec", "OrchExecution", "OrchPostgres",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OrchModels",
            dependencies: ["OrchSpec"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OrchSchedule",
            dependencies: ["OrchSpec"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OrchSemantic",
            dependencies: ["OrchSpec"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OrchSegments",
            dependencies: ["OrchSpec", "OrchRandom"],
            swiftSettings: swiftSettings
        ),
        /// The seeded generator, on its own so that the pure modules
        /// (segments) and the sample data share it without depending on each other.
        .target(
            name: "OrchRandom",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OrchSampleData",
            dependencies: ["OrchRandom"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OrchStandIn",
            dependencies: [
                "OrchSampleData", "OrchRandom",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "orch-standin",
            dependencies: ["OrchStandIn", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OrchRuntime",
            dependencies: [
                "OrchSpec", "OrchGraph", "OrchExecution", "OrchTasks", "OrchStore", "OrchWarehouse", "OrchPostgres", "OrchProcess",
                "OrchSchedule", "OrchSemantic",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        /// `orch ui` and the scheduler's `--http-port` / `--metrics-port`: read-only
        /// pages on the store (server-rendered HTML, inline SVG) and `/metrics`.
        .target(
            name: "OrchWeb",
            dependencies: [
                "OrchSpec", "OrchGraph", "OrchExecution", "OrchStore", "OrchRuntime", "OrchSchedule", "OrchSemantic", "OrchWarehouse",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "orch",
            dependencies: [
                "OrchPostgres", "OrchRuntime", "OrchSpec", "OrchGraph", "OrchExecution", "OrchStore", "OrchWarehouse", "OrchSampleData", "OrchSegments",
                "OrchTasks", "OrchSchedule", "OrchWeb",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OrchTestSupport",
            dependencies: ["OrchPostgres", "OrchStore", "OrchWarehouse", "OrchStandIn", "OrchSampleData",
                           .product(name: "Hummingbird", package: "hummingbird"), .product(name: "NIOCore", package: "swift-nio")],
            path: "Tests/OrchTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "OrchSpecTests", dependencies: ["OrchSpec", propertyBased, .product(name: "Yams", package: "Yams")],
                    swiftSettings: swiftSettings),
        .testTarget(name: "OrchGraphTests", dependencies: ["OrchGraph", "OrchSpec", propertyBased], swiftSettings: swiftSettings),
        .testTarget(name: "OrchExecutionTests", dependencies: ["OrchExecution", "OrchGraph", "OrchSpec"], swiftSettings: swiftSettings),
        .testTarget(name: "OrchTasksTests", dependencies: ["OrchRandom", "OrchTasks", "OrchWarehouse", "OrchExecution", "OrchSpec", "OrchStore", "OrchSampleData", "OrchTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "OrchStoreTests", dependencies: ["OrchStore", "OrchWarehouse", "OrchExecution", "OrchTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "OrchProcessTests", dependencies: ["OrchProcess", "OrchTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "OrchPostgresTests", dependencies: ["OrchPostgres"], swiftSettings: swiftSettings),
        .testTarget(name: "OrchWarehouseTests", dependencies: ["OrchWarehouse", "OrchPostgres", "OrchExecution", "OrchTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "OrchModelsTests", dependencies: ["OrchModels", "OrchSpec"], swiftSettings: swiftSettings),
        .testTarget(name: "OrchScheduleTests", dependencies: ["OrchSchedule", "OrchSpec", propertyBased], swiftSettings: swiftSettings),
        .testTarget(name: "OrchSemanticTests", dependencies: ["OrchSemantic", "OrchSpec", propertyBased], swiftSettings: swiftSettings),
        .testTarget(name: "OrchSegmentsTests", dependencies: ["OrchSegments", "OrchRandom"], swiftSettings: swiftSettings),
        .testTarget(name: "OrchSampleDataTests", dependencies: ["OrchSampleData"], swiftSettings: swiftSettings),
        .testTarget(name: "OrchWebTests", dependencies: ["OrchWeb", "OrchRuntime", "OrchStore", "OrchExecution", "OrchGraph", "OrchPostgres", "OrchWarehouse", "OrchTestSupport",
                                                          .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOHTTP1", package: "swift-nio")],
                    exclude: ["parse_metrics.py"], swiftSettings: swiftSettings),
        .testTarget(name: "OrchRuntimeTests", dependencies: [propertyBased, "OrchPostgres", "OrchSchedule", "OrchSpec", "OrchRandom", "OrchRuntime", "OrchStore", "OrchWarehouse", "OrchExecution", "OrchStandIn", "OrchSampleData", "OrchTasks", "OrchTestSupport"], swiftSettings: swiftSettings),
    ]
)
