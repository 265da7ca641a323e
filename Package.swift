// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "AsyncIO",
    products: [
        .library(name: "AsyncIO", targets: ["AsyncIO"]),
        .executable(name: "asyncio-echo", targets: ["asyncio-echo"]),
        .executable(name: "sock-echo-example", targets: ["sock-echo-example"]),
        .executable(name: "asyncio-loadgen", targets: ["asyncio-loadgen"]),
        .executable(name: "asyncio-queue-bench", targets: ["asyncio-queue-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        // Command-line parsing for asyncio-echo only; the library does not depend on it.
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
        // C globals Swift 6 cannot declare: the thread-local running-loop pointer; and
        // libdispatch's main-queue hooks (libdispatch ships with every Linux toolchain).
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
        // asyncio's echo server and client protocol examples, over one loop.
        .executableTarget(
            name: "echo-protocol-example",
            dependencies: ["AsyncIO"]
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
            dependencies: ["AsyncIO"],
            // Test-only PEM files the TLS tests read by path.
            exclude: ["TLS/Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
