// expect: ok
// The Swift names for C constants, with `import AsyncIO` alone: every typed overload of
// issue 16 item 2 resolves, and no call needs Glibc.
import AsyncIO

final class Echo: StreamingProtocol {}
final class Datagrams: DatagramProtocol {}

func useNames(_ loop: isolated EventLoop) async throws {
    let socket = try Socket(family: .inet6, type: .datagram)
    try socket.setOption(.reuseAddress, true)
    try socket.setOption(.receiveBufferSize, value: 1 << 16)
    _ = try socket.getOption(.tcpNoDelay)
    try socket.shutdown(.readWrite)
    _ = socket.addressFamily == .inet6 && socket.socketType == .datagram
    _ = try Socket(family: .unix)
    try loop.addSignalHandler(.terminate) { loop.stop() }
    loop.removeSignalHandler(.terminate)
    _ = try await loop.getAddrInfo(host: "localhost", port: 80, family: .inet)
    _ = try await loop.getAddrInfo(host: "localhost", port: 80, family: .unspec, type: .stream)
    _ = try await loop.getAddrInfo(host: "localhost", port: 80, type: .stream)
    _ = try await loop.createServer({ Echo() }, host: "::1", port: 0, family: .inet6)
    _ = try await loop.createConnection({ Echo() }, host: "::1", port: 1, family: .inet6)
    _ = try await loop.openConnection(host: "::1", port: 1, family: .inet6)
    _ = try await loop.startServer(host: "::1", port: 0, family: .inet6) { _, _ in }
    _ = try await loop.createDatagramEndpoint({ Datagrams() }, localAddress: ("::1", 0), family: .inet6)
    do {
        _ = try await loop.sockRecv(socket, 1)
    } catch let error as OSError where error.isConnectionReset || error.isBrokenPipe {
        Program.flushOutput()
    }
}
