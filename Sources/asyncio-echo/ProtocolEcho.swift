import AsyncIO
import Glibc

/// asyncio's EchoServerProtocol: every chunk received is written straight back.
/// A peer that sends without reading fills our write buffer; reading pauses then, so
/// memory stays bounded by the transport's flow control.
final class EchoStreamingProtocol: StreamingProtocol {
    private var transport: (any Transport)?

    func connectionMade(_ transport: any Transport) { self.transport = transport }
    func dataReceived(_ data: [UInt8]) { transport?.write(data) }
    func pauseWriting() { transport?.pauseReading() }
    func resumeWriting() { transport?.resumeReading() }
    func connectionLost(_ error: (any Error)?) { transport = nil }
}

/// The same echo as a `BufferedProtocol`: libuv reads straight into a 256 KiB buffer
/// (asyncio's largest read) and `bufferUpdated` writes back what arrived, with no
/// per-read array. `write` sends at once what the socket takes and copies only the rest,
/// so the buffer is free again when `bufferUpdated` returns: one buffer serves every
/// connection (this server runs one loop, on one thread).
final class EchoBufferedProtocol: BufferedProtocol {
    nonisolated(unsafe) private static let buffer = UnsafeMutableRawBufferPointer.allocate(
        byteCount: 256 * 1024, alignment: 16)
    private var transport: (any Transport)?

    func connectionMade(_ transport: any Transport) { self.transport = transport }
    func getBuffer(_ sizeHint: Int) -> UnsafeMutableRawBufferPointer { Self.buffer }
    func bufferUpdated(_ count: Int) {
        transport?.write(UnsafeRawBufferPointer(rebasing: Self.buffer[..<count]))
    }
    func pauseWriting() { transport?.pauseReading() }
    func resumeWriting() { transport?.resumeReading() }
    func connectionLost(_ error: (any Error)?) { transport = nil }
}

/// `--mode protocol`: the echo server on `createServer` with a `StreamingProtocol`.
enum ProtocolEcho: EchoServer {
    static func serve(host: String, port: Int) throws {
        try serveUntilSignalled(host: host, port: port) { loop in
            try await loop.createServer({ EchoStreamingProtocol() }, host: host, port: port, backlog: 1024)
        }
    }
}

/// `--mode buffered`: the echo server on `createServer` with a `BufferedProtocol`.
enum BufferedEcho: EchoServer {
    static func serve(host: String, port: Int) throws {
        try serveUntilSignalled(host: host, port: port) { loop in
            try await loop.createServer({ EchoBufferedProtocol() }, host: host, port: port, backlog: 1024)
        }
    }
}

/// Runs a loop with the server `start` makes, announces it, and on SIGINT or SIGTERM
/// closes it and its connections before returning.
func serveUntilSignalled(
    host: String, port: Int,
    _ start: @escaping @Sendable (isolated EventLoop) async throws -> Server
) throws {
    try EventLoop.run { loop in
        let server = try await start(loop)
        let stop = loop.createFuture(of: Void.self)
        for signal in [SIGINT, SIGTERM] {
            try loop.addSignalHandler(signal) { if !stop.isDone { try stop.setResult(()) } }
        }
        announceListening(host: host, port: (try? server.sockets.first?.localAddress.port) ?? nil ?? port)
        try await stop.value
        server.close()
        server.closeClients()
        try await withTimeout(.seconds(5)) { try await server.waitClosed() }
    }
}
