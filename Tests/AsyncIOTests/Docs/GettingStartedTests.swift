import Foundation
import XCTest

/// The Getting started programs of the DocC catalog (Snippets/*.swift, shown by
/// GettingStarted.md with @Snippet): each is built as an executable of its own, runs to
/// the end with the output the article describes, and imports nothing but AsyncIO.
final class GettingStartedTests: XCTestCase {
    func testSockEchoRunsAndImportsOnlyAsyncIO() throws {
        try runSnippet("SockEcho", expecting: [
            "client: echoed hello",
            "client: echoed world",
        ])
    }

    func testProtocolEchoRunsAndImportsOnlyAsyncIO() throws {
        try runSnippet("ProtocolEcho", expecting: [
            "client: sent Hello World!",
            "server: received Hello World!",
            "client: received Hello World!",
            "client: the server closed the connection",
        ])
    }

    func testStreamsEchoRunsAndImportsOnlyAsyncIO() throws {
        try runSnippet("StreamsEcho", expecting: [
            "server: received hello",
            "client: echoed hello",
            "server: received world",
            "client: echoed world",
        ])
    }

    /// Runs the snippet `name`, checks that it exits 0 having printed `lines` (each on a
    /// line of its own, in this order), and that its only import is AsyncIO.
    private func runSnippet(_ name: String, expecting lines: [String]) throws {
        let source = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Snippets/\(name).swift")
        let text = try String(contentsOf: source, encoding: .utf8)
        let imports = text.split(separator: "\n").filter { $0.hasPrefix("import ") }
        XCTAssertEqual(imports, ["import AsyncIO"], "\(name).swift must need nothing but AsyncIO")

        let process = Process()
        process.executableURL = try builtProduct(name)
        let output = Foundation.Pipe()
        process.standardOutput = output
        try process.run()
        XCTAssertTrue(waitForExit(process, seconds: 30), "\(name) did not finish")
        XCTAssertEqual(process.terminationStatus, 0, name)
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .split(separator: "\n").map(String.init)
        var rest = printed[...]
        for line in lines {
            guard let index = rest.firstIndex(of: line) else {
                XCTFail("\(name) did not print '\(line)' (in order); it printed \(printed)")
                return
            }
            rest = rest[(index + 1)...]
        }
    }
}
