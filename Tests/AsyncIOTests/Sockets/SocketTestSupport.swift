@testable import AsyncIO
import Glibc
import XCTest

/// The loopback hosts every socket test runs on.
enum Loopback: String, CaseIterable {
    case ipv4 = "127.0.0.1"
    case ipv6 = "::1"

    var family: Int32 { self == .ipv4 ? AF_INET : AF_INET6 }
}

let streamType = Int32(SOCK_STREAM.rawValue)
let datagramType = Int32(SOCK_DGRAM.rawValue)

/// A listening, non-blocking TCP socket on `host`, port 0.
func makeListener(_ host: Loopback, backlog: Int32 = 16) throws -> Socket {
    let listener = try Socket(family: host.family)
    try listener.bind(SocketAddress(host: host.rawValue, port: 0))
    try listener.listen(backlog: backlog)
    return listener
}

/// A connected client/server pair made with `sockConnect` and `sockAccept` (the
/// listener is closed before returning).
func connectedPair(_ loop: isolated EventLoop, _ host: Loopback) async throws -> (client: Socket, server: Socket) {
    let listener = try makeListener(host)
    defer { listener.close() }
    let client = try Socket(family: host.family)
    let address = try listener.localAddress
    let connecting = loop.createTask { try await loop.sockConnect(client, to: address) }
    let (server, _) = try await loop.sockAccept(listener)
    try await connecting.value
    return (client, server)
}

/// `count` bytes of the repeating pattern "0123456789" (CPython's huge-content payload).
func digitPattern(_ count: Int, from start: Int = 0) -> [UInt8] {
    (0..<count).map { UInt8(ascii: "0") + UInt8((start + $0) % 10) }
}

/// Reads from `sock` with `sockRecv` until end of file (bounded: at most `limit` bytes).
func receiveAll(_ loop: isolated EventLoop, _ sock: Socket, limit: Int = 16 << 20) async throws -> [UInt8] {
    var received: [UInt8] = []
    while received.count <= limit {
        let chunk = try await loop.sockRecv(sock, 65536)
        if chunk.isEmpty { break }
        received += chunk
    }
    return received
}

/// Reads from `sock` with `sockRecv` until `count` bytes arrived, or end of file.
func receive(_ loop: isolated EventLoop, _ sock: Socket, count: Int) async throws -> [UInt8] {
    var received: [UInt8] = []
    while received.count < count {
        let chunk = try await loop.sockRecv(sock, 65536)
        if chunk.isEmpty { break }
        received += chunk
    }
    return received
}

/// Whether any reader or writer is still registered for `fd`.
func hasRegistration(_ loop: isolated EventLoop, _ fd: Int32) -> Bool {
    guard let watcher = loop.pollRegistry.watchers[fd] else { return false }
    return watcher.hasReader || watcher.hasWriter
}

/// Skips a test on a machine without IPv6 loopback.
func requireHost(_ host: Loopback) throws {
    guard host == .ipv6 else { return }
    do {
        let probe = try Socket(family: AF_INET6)
        defer { probe.close() }
        try probe.bind(SocketAddress(host: "::1", port: 0))
    } catch {
        throw XCTSkip("no IPv6 loopback here: \(error)")
    }
}

/// A heap buffer for the `…Into` operations, which need memory that stays put across
/// suspensions (an array's `withUnsafeMutableBytes` cannot span an `await`).
final class RawBuffer: @unchecked Sendable {
    let memory: UnsafeMutableRawBufferPointer
    init(count: Int) {
        memory = .allocate(byteCount: count, alignment: 16)
        memory.initializeMemory(as: UInt8.self, repeating: 0)
    }
    deinit { memory.deallocate() }
    func slice(_ range: Range<Int>) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: memory[range])
    }
    func bytes(_ range: Range<Int>) -> [UInt8] { Array(memory[range]) }
}
