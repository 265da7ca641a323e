import AsyncIO

/// asyncio's EchoServerProtocol: every chunk received is written straight back.
final class EchoStreamingProtocol: StreamingProtocol {
    private var transport: (any Transport)?

    func connectionMade(_ transport: any Transport) { self.transport = transport }
    func dataReceived(_ data: [UInt8]) { transport?.write(data) }
    func connectionLost(_ error: (any Error)?) { transport = nil }
}

/// The same echo as a `BufferedProtocol`: libuv reads straight into this protocol's
/// 64 KiB buffer and `bufferUpdated` writes back what arrived, with no per-read array.
final class EchoBufferedProtocol: BufferedProtocol {
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    private var transport: (any Transport)?

    deinit { buffer.deallocate() }

    func connectionMade(_ transport: any Transport) { self.transport = transport }
    func getBuffer(_ sizeHint: Int) -> UnsafeMutableRawBufferPointer { buffer }
    func bufferUpdated(_ count: Int) {
        // write() sends at once what the socket takes and copies only the rest, so the
        // buffer is free again when it returns.
        transport?.write(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
    }
    func connectionLost(_ error: (any Error)?) { transport = nil }
}

/// Starts the echo server of `asyncio-echo --mode protocol|buffered` on the loop.
func startProtocolEchoServer(loop: EventLoop, host: String, port: Int, buffered: Bool) async throws -> Server {
    try await loop.createServer({ () -> any BaseProtocol in
        buffered ? EchoBufferedProtocol() : EchoStreamingProtocol()
    }, host: host, port: port)
}
