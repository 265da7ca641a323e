// expect: ok
// The C-valued (Int32) forms still compile, and resolve without ambiguity, in a file that
// imports Glibc next to AsyncIO; calls that give no family or type keep one meaning.
import AsyncIO
import Glibc

final class Echo: StreamingProtocol {}

func useCValues(_ loop: isolated EventLoop) async throws {
    let socket = try Socket()
    _ = try Socket(family: AF_INET6, type: Int32(SOCK_DGRAM.rawValue))
    try socket.setOption(level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
    _ = try socket.getOption(level: SOL_SOCKET, name: SO_RCVBUF)
    try socket.shutdown(Int32(SHUT_WR))
    try loop.addSignalHandler(SIGTERM) {}
    loop.removeSignalHandler(SIGTERM)
    _ = try await loop.getAddrInfo(host: "localhost", port: 80)
    _ = try await loop.getAddrInfo(host: "localhost", port: 80, family: AF_INET, type: 0)
    _ = try await loop.createServer({ Echo() }, host: "127.0.0.1", port: 0)
    _ = try await loop.createServer({ Echo() }, host: "::1", port: 0, family: AF_INET6)
    _ = try await loop.createConnection({ Echo() }, host: "127.0.0.1", port: 1)
    _ = try await loop.createConnection({ Echo() }, host: "127.0.0.1", port: 1, family: AF_INET)
    _ = try await loop.openConnection(host: "127.0.0.1", port: 1, family: AF_INET)
    _ = try await loop.startServer(host: "127.0.0.1", port: 0) { _, _ in }
    exit(0)  // Glibc's: AsyncIO's is namespaced as Program.exit
}
