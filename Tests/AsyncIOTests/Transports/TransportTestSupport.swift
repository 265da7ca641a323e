@testable import AsyncIO
import Glibc
import XCTest

/// A streaming protocol that records every event, in order.
final class RecordingProtocol: StreamingProtocol, @unchecked Sendable {
    enum Event: Equatable, CustomStringConvertible {
        case made, data, eof, lost(errno: Int32?), lostClean, pause, resume
        var description: String {
            switch self {
            case .made: "made"
            case .data: "data"
            case .eof: "eof"
            case .lost(let code): "lost(\(code.map(String.init) ?? "?"))"
            case .lostClean: "lost(nil)"
            case .pause: "pause"
            case .resume: "resume"
            }
        }
    }

    var events: [Event] = []
    var received: [UInt8] = []
    var transport: (any Transport)?
    var lostError: (any Error)?
    var keepOpenOnEOF = false
    var onData: (([UInt8]) -> Void)?
    var onEOF: (() -> Void)?
    var onMade: ((any Transport) -> Void)?

    func connectionMade(_ transport: any Transport) {
        events.append(.made)
        self.transport = transport
        onMade?(transport)
    }

    func dataReceived(_ data: [UInt8]) {
        if events.last != .data { events.append(.data) }
        received += data
        onData?(data)
    }

    func eofReceived() -> Bool {
        events.append(.eof)
        onEOF?()
        return keepOpenOnEOF
    }

    func connectionLost(_ error: (any Error)?) {
        lostError = error
        if let error {
            events.append(.lost(errno: (error as? OSError)?.errno))
        } else {
            events.append(.lostClean)
        }
        transport = nil
    }

    func pauseWriting() { events.append(.pause) }
    func resumeWriting() { events.append(.resume) }

    var isLost: Bool { events.contains { if case .lost = $0 { true } else { $0 == .lostClean } } }
    var lostCount: Int { events.filter { if case .lost = $0 { true } else { $0 == .lostClean } }.count }
    func count(_ event: Event) -> Int { events.filter { $0 == event }.count }
}

/// The echo protocols of `Sources/asyncio-echo/ProtocolEcho.swift` (copied: that target is
/// wired by the lead), mirroring asyncio's EchoServerProtocol.
final class TestEchoProtocol: StreamingProtocol, @unchecked Sendable {
    var transport: (any Transport)?
    func connectionMade(_ transport: any Transport) { self.transport = transport }
    func dataReceived(_ data: [UInt8]) { transport?.write(data) }
    func connectionLost(_ error: (any Error)?) { transport = nil }
}

final class TestBufferedEchoProtocol: BufferedProtocol, @unchecked Sendable {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    var transport: (any Transport)?
    deinit { buffer.deallocate() }
    func connectionMade(_ transport: any Transport) { self.transport = transport }
    func getBuffer(_ sizeHint: Int) -> UnsafeMutableRawBufferPointer { buffer }
    func bufferUpdated(_ count: Int) { transport?.write(UnsafeRawBufferPointer(rebasing: buffer[..<count])) }
    func connectionLost(_ error: (any Error)?) { transport = nil }
}

/// Polls `condition` on the loop until it holds; fails the wait after `timeout`.
func waitUntil(_ loop: isolated EventLoop, timeout: Double = 10, _ condition: () -> Bool) async throws {
    let deadline = loop.time() + timeout
    while !condition() {
        guard loop.time() < deadline else { throw TimeoutError() }
        try await loop.sleep(.milliseconds(1))
    }
}

/// A non-blocking raw peer socket connected to `address`.
func rawClient(_ loop: isolated EventLoop, to address: SocketAddress) async throws -> Socket {
    let socket = try Socket(family: address.family)
    try await loop.sockConnect(socket, to: address)
    return socket
}

/// Reads from a raw socket until `count` bytes arrived or EOF; returns the bytes and
/// whether EOF was seen.
func rawRead(_ loop: isolated EventLoop, _ socket: Socket, atLeast count: Int, untilEOF: Bool = false) async throws -> (bytes: [UInt8], eof: Bool) {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 256 * 1024)
    var eof = false
    let deadline = loop.time() + 20
    while !eof && (untilEOF || bytes.count < count) {
        guard loop.time() < deadline else { throw TimeoutError() }
        let attempt = try buffer.withUnsafeMutableBytes { try socket.tryRecv(into: $0) }
        switch attempt {
        case .done(0): eof = true
        case .done(let n): bytes += buffer[..<n]
        case .wouldBlock: try await loop.sleep(.milliseconds(1))
        }
    }
    return (bytes, eof)
}

/// Sends all of `data` on a raw socket.
func rawSendAll(_ loop: isolated EventLoop, _ socket: Socket, _ data: [UInt8]) async throws {
    var offset = 0
    let deadline = loop.time() + 20
    while offset < data.count {
        guard loop.time() < deadline else { throw TimeoutError() }
        let attempt = try data.withUnsafeBytes { try socket.trySend(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
        switch attempt {
        case .done(let n): offset += n
        case .wouldBlock: try await loop.sleep(.milliseconds(1))
        }
    }
}

/// SO_LINGER with a zero timeout: `close()` then sends a reset.
func setLingerZero(_ socket: Socket) {
    var option = linger(l_onoff: 1, l_linger: 0)
    _ = setsockopt(socket.fileno, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
}

/// A deterministic byte pattern of `count` bytes.
func pattern(_ count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
}

/// Whether this machine has a usable ::1.
let hasIPv6Loopback: Bool = {
    guard let socket = try? Socket(family: AF_INET6) else { return false }
    defer { socket.close() }
    return (try? socket.bind(SocketAddress(ipv6: "::1", port: 0))) != nil
}()

/// A server on `host` port 0 whose connections are `RecordingProtocol`s, collected in order.
final class RecordingServer: @unchecked Sendable {
    let server: Server
    let protocols: Box<[RecordingProtocol]>
    var address: SocketAddress { try! server.sockets[0].localAddress }

    init(loop: isolated EventLoop, host: String, configure: @escaping (RecordingProtocol) -> Void = { _ in }) async throws {
        let protocols = Box<[RecordingProtocol]>([])
        self.protocols = protocols
        server = try await loop.createServer({
            let p = RecordingProtocol()
            configure(p)
            protocols.value.append(p)
            return p
        }, host: host, port: 0)
    }

    /// The protocol of the `index`th accepted connection, once connectionMade ran.
    func connection(_ loop: isolated EventLoop, _ index: Int = 0) async throws -> RecordingProtocol {
        try await waitUntil(loop) { self.protocols.value.count > index && self.protocols.value[index].events.contains(.made) }
        return protocols.value[index]
    }

    nonisolated(nonsending) func close() async throws {
        server.close()
        server.abortClients()
        try await withTimeout(.seconds(10)) { try await self.server.waitClosed() }
    }
}
