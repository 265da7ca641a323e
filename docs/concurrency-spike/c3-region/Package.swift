// swift-tools-version: 6.0
import PackageDescription
let package = Package(name: "c3", targets: [.target(name: "Loop")])
