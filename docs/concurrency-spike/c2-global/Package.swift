// swift-tools-version: 6.0
import PackageDescription
let package = Package(name: "c2", targets: [
    .target(name: "Loop"),
    .executableTarget(name: "demo", dependencies: ["Loop"]),
])
