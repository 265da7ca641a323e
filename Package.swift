// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "AsyncIO",
    products: [
        .library(name: "AsyncIO", targets: ["AsyncIO"]),
        // swift-service-lifecycle support, a library of its own so that `import AsyncIO`
        // does not bring ServiceLifecycle (and swift-async-algorithms) into every program.
        .library(name: "AsyncIOServiceLifecycle", targets: ["AsyncIOServiceLifecycle"]),
        .executable(name: "asyncio-echo", targets: ["asyncio-echo"]),
        .executable(name: "sock-echo-example", targets: ["sock-echo-example"]),
        .executable(name: "asyncio-loadgen", targets: ["asyncio-loadgen"]),
        .executable(name: "asyncio-pipe-bench", targets: ["asyncio-pipe-bench"]),
        .executable(name: "service-lifecycle-example", targets: ["service-lifecycle-example"]),
        .executable(name: "chat-example", targets: ["chat-example"]),
        .executable(name: "asyncio-queue-bench", targets: ["asyncio-queue-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        // Graceful shutdown in a ServiceGroup, for AsyncIOServiceLifecycle only.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // `swift package generate-documentation` for the DocC catalog (scripts/docs); a
        // plugin, so nothing of it is linked into any product.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
    ],
    targets: [
        // The system libuv (Debian: libuv1-dev), found through pkg-config.
        .systemLibrary(
            name: "CLibUV",
            path: "CSupport/CLibUV",
            pkgConfig: "libuv",
            providers: [.apt(["libuv1-dev"])]
        ),
        // The system OpenSSL 3 (Debian: libssl-dev), for the TLS layer only.
        .systemLibrary(
            name: "COpenSSL",
            path: "CSupport/COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // The C the Swift side cannot declare or import; its header lists each piece
        // (libdispatch, for the main-queue hooks, ships with every Linux toolchain).
        .target(
            name: "CAsyncIOSupport",
            path: "CSupport/CAsyncIOSupport",
            linkerSettings: [.linkedLibrary("dispatch", .when(platforms: [.linux]))]
        ),
        .target(
            name: "AsyncIO",
            dependencies: [
                "CLibUV",
                "COpenSSL",
                "CAsyncIOSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        // A `Service` that runs an event loop and its servers in a ServiceGroup, and shuts
        // them down gracefully (Sources/AsyncIOServiceLifecycle).
        .target(
            name: "AsyncIOServiceLifecycle",
            dependencies: [
                "AsyncIO",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // An echo server in a ServiceGroup beside another service; SIGTERM shuts it down
        // gracefully (the black-box test of AsyncIOServiceLifecycle runs it).
        .executableTarget(
            name: "service-lifecycle-example",
            dependencies: [
                "AsyncIO",
                "AsyncIOServiceLifecycle",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/ServiceLifecycle"
        ),
        // The echo server the benchmarks and black-box tests run, one file per layer.
        .executableTarget(
            name: "asyncio-echo",
            dependencies: ["AsyncIO"]
        ),
        // The loop.sock_* echo server and client of the reference walkthrough, in Swift.
        .executableTarget(
            name: "sock-echo-example",
            dependencies: ["AsyncIO"],
            path: "Examples/SockEcho"
        ),
        // Bytes through a child's pipes (cat), checked: the subprocess pipe benchmark.
        .executableTarget(
            name: "asyncio-pipe-bench",
            dependencies: ["AsyncIO"]
        ),
        // A chat server whose clients each have a Queue outbox, so a slow reader never
        // stalls the room (README's "Chat room").
        .executableTarget(
            name: "chat-example",
            dependencies: ["AsyncIO"],
            path: "Examples/ChatRoom"
        ),
        // The benchmark's load generator: plain C on epoll, so it is never the slow side.
        .executableTarget(
            name: "asyncio-loadgen",
            path: "Sources/asyncio-loadgen"
        ),
        // put+get pairs per second through a Queue between two loop tasks
        // (scripts/bench-queue runs it against asyncio and uvloop).
        .executableTarget(
            name: "asyncio-queue-bench",
            dependencies: ["AsyncIO"]
        ),
        .testTarget(
            name: "AsyncIOTests",
            dependencies: [
                "AsyncIO",
                // Tests/AsyncIOTests/ServiceLifecycle runs EventLoopService in a real ServiceGroup.
                "AsyncIOServiceLifecycle",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // Tests/AsyncIOTests/Tasks/ChatRoomTests runs the chat room's code in-process.
                "chat-example",
            ],
            // Test-only PEM files the TLS tests read by path.
            exclude: ["TLS/Fixtures"]
        ),
        // Snippets/*.swift (SockEcho, ProtocolEcho, StreamsEcho): the Getting started
        // programs of the DocC catalog. SwiftPM builds each as an executable of its own,
        // which GettingStartedTests runs, and the catalog shows them with @Snippet.
    ],
    swiftLanguageModes: [.v6]
)
