// asyncio's protocol echo server and client ("TCP Echo Server" and "TCP Echo Client"):
// callbacks on a transport instead of awaiting each read.
import AsyncIO

/// Writes back what it receives, then closes (`close` sends what is buffered first).
final class EchoServerProtocol: StreamingProtocol {
    private var transport: (any Transport)?

    func connectionMade(_ transport: any Transport) {
        print("server: connection from \(transport.peerName.map { "\($0)" } ?? "?")")
        self.transport = transport
    }

    func dataReceived(_ data: [UInt8]) {
        print("server: received \(String(decoding: data, as: UTF8.self))")
        transport?.write(data)
        transport?.close()
    }
}

/// Sends a message once connected, prints the reply, and reports the end of the
/// connection through `onConnectionLost` (asyncio's example resolves a future there).
final class EchoClientProtocol: StreamingProtocol {
    let message: String
    let onConnectionLost: () -> Void

    init(message: String, onConnectionLost: @escaping () -> Void) {
        self.message = message
        self.onConnectionLost = onConnectionLost
    }

    func connectionMade(_ transport: any Transport) {
        transport.write(Array(message.utf8))
        print("client: sent \(message)")
    }

    func dataReceived(_ data: [UInt8]) {
        print("client: received \(String(decoding: data, as: UTF8.self))")
    }

    func connectionLost(_ error: (any Error)?) {
        print("client: the server closed the connection")
        onConnectionLost()
    }
}

try EventLoop.run { loop in
    let server = try await loop.createServer({ EchoServerProtocol() }, host: "127.0.0.1", port: 0)
    let port = try server.sockets[0].localAddress.port!

    let lost = loop.createFuture(of: Void.self)
    let (transport, _) = try await loop.createConnection(
        { EchoClientProtocol(message: "Hello World!") { try? lost.setResult(()) } },
        host: "127.0.0.1", port: port)
    try await lost.value
    transport.close()

    server.close()
    try await server.waitClosed()
}
