// expect-error: cannot convert value of type 'Echo' to closure result type 'any ConnectionProtocol'
// A stream server's factory must make a StreamingProtocol or a BufferedProtocol; a
// DatagramProtocol is refused by the compiler (asyncio fails when a connection arrives).
import AsyncIO

final class Echo: DatagramProtocol {}

func serve(_ loop: isolated EventLoop) async throws {
    _ = try await loop.createServer({ Echo() }, host: "127.0.0.1", port: 0)
}
