@testable import AsyncIO
import Glibc
import XCTest

/// The socket descriptors this process has open (entries of /proc/self/fd that link to
/// a socket). Sockets only: libuv opens a /dev/null descriptor the first time a loop
/// makes a stream (its EMFILE reserve), which is not a leak.
func openDescriptorCount() -> Int {
    guard let directory = opendir("/proc/self/fd") else { return -1 }
    var count = 0
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name == "." || name == ".." { continue }
        var target = [CChar](repeating: 0, count: 64)
        let length = readlink("/proc/self/fd/\(name)", &target, 63)
        if length > 0, String(decoding: target[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self).hasPrefix("socket:") {
            count += 1
        }
    }
    closedir(directory)
    return count
}

/// Waits (bounded) until the process is back to `baseline` open descriptors.
func waitForDescriptors(_ loop: isolated EventLoop, _ baseline: Int, file: StaticString = #filePath, line: UInt = #line) async throws {
    do {
        try await waitUntil(loop, timeout: 10) { openDescriptorCount() == baseline }
    } catch {
        XCTFail("sockets leaked: \(openDescriptorCount()) open, \(baseline) before", file: file, line: line)
    }
}

/// A stream address info for a literal address.
func streamInfo(_ host: String, _ port: Int) -> AddressInfo {
    let address = try! SocketAddress(host: host, port: port)
    return AddressInfo(family: address.family, type: Int32(SOCK_STREAM.rawValue), proto: Int32(IPPROTO_TCP),
                       address: address)
}

/// A resolver answering from a table keyed by host name (resolution-free tests: both the
/// remote and local answers come from here, as one getaddrinfo answer would).
func tableResolver(_ table: [String: [AddressInfo]]) -> ConnectionSteps.Resolve {
    { host, _, _, _, _ in table[host ?? ""] ?? [] }
}

/// A port on `host` with nothing listening (bound, then closed again).
func closedPort(_ host: String = "127.0.0.1") throws -> Int {
    let address = try SocketAddress(host: host, port: 0)
    let socket = try Socket(family: address.family)
    defer { socket.close() }
    try socket.bind(address)
    return try socket.localAddress.port!
}

/// A listening socket whose accept queue is full: SYNs to it are dropped (Linux), so a
/// connect to `address` neither succeeds nor fails for about two minutes.
final class Blackhole: @unchecked Sendable {
    let listener: Socket
    var fillers: [Socket] = []
    let address: SocketAddress

    init(_ loop: isolated EventLoop) async throws {
        listener = try Socket(family: AF_INET)
        try listener.bind(SocketAddress(ipv4: "127.0.0.1", port: 0))
        try listener.listen(backlog: 0)
        let address = try listener.localAddress
        self.address = address
        // Connect until one connection stays pending: then the queue is full. Each
        // connection that completes fills one slot (nobody accepts).
        for _ in 0..<16 {
            let client = try Socket(family: AF_INET)
            fillers.append(client)
            let connected: Bool
            do {
                try await withTimeout(.seconds(1)) { try await loop.sockConnect(client, to: address) }
                connected = true
            } catch is TimeoutError {
                connected = false
            }
            if !connected { return }
        }
        throw OSError(errno: 0, message: "could not fill the accept queue of \(address)")
    }

    func close() {
        for filler in fillers { filler.close() }
        listener.close()
    }
}

/// What a fake connection attempt does.
enum FakeAttempt: Sendable {
    /// Never finishes until cancelled; closes its socket then.
    case hang
    /// Fails with this errno.
    case fail(Int32)
    /// Connects at once.
    case succeed
    /// Connects only once `release` is called, ignoring cancellation (a socket that
    /// connects just after another attempt won).
    case succeedLate
}

/// A replaceable connect step that plays a script per address and records what happened.
final class FakeConnector: @unchecked Sendable {
    let script: [SocketAddress: FakeAttempt]
    /// The addresses attempted, in order.
    var attempted: [SocketAddress] = []
    /// The socket each attempt opened.
    var sockets: [SocketAddress: Socket] = [:]
    var cancelled: [SocketAddress] = []
    private var lateContinuation: UnsafeContinuation<Void, Never>?

    init(_ script: [SocketAddress: FakeAttempt]) {
        self.script = script
    }

    func release() {
        lateContinuation?.resume()
        lateContinuation = nil
    }

    var steps: ConnectionSteps.Connect {
        { info, _ in try await self.attempt(info) }
    }

    private func attempt(_ info: AddressInfo) async throws -> Socket {
        let address = info.address
        attempted.append(address)
        let socket = try Socket(family: info.family)
        sockets[address] = socket
        switch script[address] ?? .fail(ECONNREFUSED) {
        case .hang:
            do {
                while true { try await Task.sleep(for: .seconds(3600)) }
            } catch {
                cancelled.append(address)
                socket.close()
                throw error
            }
        case .fail(let code):
            socket.close()
            throw ConnectAttemptError(errors: [OSError(errno: code, message: "Connect call failed \(address)")])
        case .succeed:
            return socket
        case .succeedLate:
            await withUnsafeContinuation { self.lateContinuation = $0 }
            return socket
        }
    }
}

/// The error `body` throws; a test failure (and nil) if it throws none.
nonisolated(nonsending) func thrownError(file: StaticString = #filePath, line: UInt = #line, _ body: nonisolated(nonsending) () async throws -> Void) async -> (any Error)? {
    do {
        try await body()
        XCTFail("no error thrown", file: file, line: line)
        return nil
    } catch {
        return error
    }
}
