import AsyncIO
import Foundation
import Glibc
import XCTest

// Helpers for black-box tests that run the package's executables as child processes.

/// The executable product `name` in the build products directory, next to the test
/// bundle. `swift build --build-tests` (scripts/test) builds every product, so a missing
/// one fails the test rather than skipping it: a skipped black-box test would pass CI
/// without having run.
func builtProduct(_ name: String) throws -> URL {
    var directories = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
    if let first = CommandLine.arguments.first {
        directories.append(URL(fileURLWithPath: first).deletingLastPathComponent())
    }
    for directory in directories {
        let candidate = directory.appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    throw MissingExecutable(description: "\(name) is not built (looked in \(directories.map(\.path))); run swift build --build-tests")
}

/// An executable a test runs is not there (a product not built, or a system tool).
struct MissingExecutable: Error, CustomStringConvertible {
    let description: String
}

/// Reads one line from `handle` within `timeout` milliseconds (poll(2), so a silent
/// process fails the test instead of hanging it).
func readLine(_ handle: FileHandle, timeout: Int32 = 10_000) throws -> String {
    var line: [UInt8] = []
    while line.last != UInt8(ascii: "\n") {
        var request = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&request, 1, timeout) == 1 else { throw OSError(errno: ETIMEDOUT, message: "no line from the child process") }
        var byte: UInt8 = 0
        guard read(handle.fileDescriptor, &byte, 1) == 1 else { break }
        line.append(byte)
    }
    return String(decoding: line, as: UTF8.self).trimmingCharacters(in: .newlines)
}

/// What `handle` has to read right now, without waiting.
func readAvailable(_ handle: FileHandle) -> String {
    var bytes: [UInt8] = []
    var request = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
    var chunk = [UInt8](repeating: 0, count: 4096)
    while bytes.count < 1 << 20, poll(&request, 1, 0) == 1 {
        let count = read(handle.fileDescriptor, &chunk, chunk.count)
        if count <= 0 { break }
        bytes += chunk[..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Waits up to `seconds` for `process` to exit; returns whether it did.
func waitForExit(_ process: Process, seconds: Double = 10) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning, Date() < deadline { usleep(10_000) }
    return !process.isRunning
}
