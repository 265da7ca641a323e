// swift-tools-version: 6.0
import PackageDescription
let package = Package(
    name: "c1",
    targets: [
        .target(name: "Loop"),
        .executableTarget(name: "mainactor", dependencies: ["Loop"]),
        .executableTarget(name: "demo", dependencies: ["Loop"],
                          swiftSettings: [.unsafeFlags(["-Xfrontend", "-enable-upcoming-feature", "-Xfrontend", "NonisolatedNonsendingByDefault"])].filter { _ in false }),
    ]
)
