@testable import AsyncIO
import Glibc
import XCTest

/// The threads of this process (entries of /proc/self/task).
func threadCount() -> Int {
    directoryEntryCount("/proc/self/task")
}

/// Every descriptor this process has open (entries of /proc/self/fd, the one that reads
/// the directory included), so a loop's epoll, eventfd or signal pipe left open shows.
func allDescriptorCount() -> Int {
    directoryEntryCount("/proc/self/fd")
}

private func directoryEntryCount(_ path: String) -> Int {
    guard let directory = opendir(path) else { return -1 }
    defer { closedir(directory) }
    var count = 0
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { count += 1 }
    }
    return count
}

/// The calling thread's pthread id, to tell which thread ran something.
func currentThreadID() -> UInt {
    UInt(pthread_self())
}

/// An echo protocol that counts, per loop index, the bytes it echoed.
final class CountingEchoProtocol: StreamingProtocol {
    private var transport: (any Transport)?
    private let onData: (Int) -> Void

    init(onData: @escaping (Int) -> Void) { self.onData = onData }

    func connectionMade(_ transport: any Transport) { self.transport = transport }
    func dataReceived(_ data: [UInt8]) {
        onData(data.count)
        transport?.write(data)
    }
    func connectionLost(_ error: (any Error)?) { transport = nil }
}

/// Connects to `port` on 127.0.0.1, sends `payload`, and returns what came back once
/// `payload.count` bytes did (bounded by rawRead's deadline).
func echoRoundTrip(_ loop: isolated EventLoop, port: Int, _ payload: [UInt8]) async throws -> [UInt8] {
    let client = try await rawClient(loop, to: try SocketAddress(ipv4: "127.0.0.1", port: port))
    defer { client.close() }
    try await rawSendAll(loop, client, payload)
    return try await rawRead(loop, client, atLeast: payload.count).bytes
}
