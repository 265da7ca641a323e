@testable import AsyncIO
import Glibc
import XCTest

/// A subprocess protocol that records every event, for order checks.
final class RecordingSubprocessProtocol: SubprocessProtocol, @unchecked Sendable {
    enum Event: Equatable, CustomStringConvertible {
        case made
        case data(Int32)
        case pipeLost(Int32, errno: Int32?)
        case exited
        case lost
        case pauseWriting
        case resumeWriting

        var description: String {
            switch self {
            case .made: "made"
            case .data(let fd): "data(\(fd))"
            case .pipeLost(let fd, let errno): "pipeLost(\(fd), \(errno.map(String.init) ?? "nil"))"
            case .exited: "exited"
            case .lost: "lost"
            case .pauseWriting: "pauseWriting"
            case .resumeWriting: "resumeWriting"
            }
        }
    }

    var events: [Event] = []
    var output: [Int32: [UInt8]] = [:]
    var transport: (any SubprocessTransport)?
    let finished: Future<Void>
    /// The return code seen inside `processExited` (asyncio sets it before the call).
    var returnCodeAtExit: Int32?

    init(loop: isolated EventLoop) {
        finished = loop.createFuture()
    }

    func connectionMade(_ transport: any SubprocessTransport) {
        events.append(.made)
        self.transport = transport
    }

    func pipeDataReceived(fd: Int32, data: [UInt8]) {
        if events.last != .data(fd) { events.append(.data(fd)) }
        output[fd, default: []] += data
    }

    func pipeConnectionLost(fd: Int32, error: (any Error)?) {
        events.append(.pipeLost(fd, errno: (error as? OSError)?.errno))
    }

    func processExited() {
        returnCodeAtExit = transport?.returnCode
        events.append(.exited)
    }

    func connectionLost(_ error: (any Error)?) {
        events.append(.lost)
        transport = nil
        try? finished.setResult(())
    }

    func pauseWriting() { events.append(.pauseWriting) }
    func resumeWriting() { events.append(.resumeWriting) }

    func text(_ fd: Int32) -> String { String(decoding: output[fd] ?? [], as: UTF8.self) }

    /// Events on one pipe, in order (the pipes and the exit interleave as the OS decides).
    func events(of fd: Int32) -> [Event] {
        events.filter {
            switch $0 {
            case .data(let f), .pipeLost(let f, _): f == fd
            default: false
            }
        }
    }
}

/// Waits, bounded, until the protocol heard `connectionLost`.
nonisolated(nonsending) func waitFinished(_ proto: RecordingSubprocessProtocol) async throws {
    let finished = proto.finished
    try await withTimeout(.seconds(10)) { try await finished.value }
}

/// Writes `total` bytes of a pattern into the child's stdin as fast as flow control lets
/// it (on from `resumeWriting`), closes stdin after the last write, and checks what comes
/// back on stdout.
final class PumpingSubprocessProtocol: SubprocessProtocol {
    let total: Int
    let finished: Future<Void>
    var stdin: (any WriteTransport)?
    var written = 0
    var paused = false
    var resumeCount = 0
    var received = 0
    var mismatches = 0

    init(loop: isolated EventLoop, total: Int) {
        self.total = total
        finished = loop.createFuture()
    }

    static func byte(at offset: Int) -> UInt8 { UInt8(truncatingIfNeeded: offset % 251) }

    func connectionMade(_ transport: any SubprocessTransport) {
        stdin = transport.getPipeTransport(0) as? any WriteTransport
        pump()
    }

    func pump() {
        guard let stdin else { return }
        while !paused, written < total {
            let count = min(64 * 1024, total - written)
            stdin.write((written..<(written + count)).map(Self.byte(at:)))
            written += count
        }
        if written == total { stdin.close() }
    }

    func pauseWriting() { paused = true }

    func resumeWriting() {
        paused = false
        resumeCount += 1
        pump()
    }

    func pipeDataReceived(fd: Int32, data: [UInt8]) {
        guard fd == 1 else { return }
        for byte in data {
            if byte != Self.byte(at: received) { mismatches += 1 }
            received += 1
        }
    }

    func connectionLost(_ error: (any Error)?) {
        try? finished.setResult(())
    }
}
