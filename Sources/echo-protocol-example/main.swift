// asyncio's "TCP Echo Server" and "TCP Echo Client" protocol examples, in one program:
// a server whose protocol writes back what it receives, and a client that sends a
// message, prints the echo, and closes.
import AsyncIO
import Glibc

/// asyncio's EchoServerProtocol.
final class EchoServerProtocol: StreamingProtocol {
    private var transport: (any Transport)?

    func connectionMade(_ transport: any Transport) {
        print("Connection from \(transport.peerName.map { "\($0)" } ?? "?")")
        self.transport = transport
    }

    func dataReceived(_ data: [UInt8]) {
        print("Data received: \(String(decoding: data, as: UTF8.self))")
        transport?.write(data)
        // Like the asyncio example, close after one echo; close() flushes first.
        transport?.close()
    }
}

/// asyncio's EchoClientProtocol: `onConnectionLost` plays the future it resolves.
final class EchoClientProtocol: StreamingProtocol {
    let message: String
    let onConnectionLost: () -> Void

    init(message: String, onConnectionLost: @escaping () -> Void) {
        self.message = message
        self.onConnectionLost = onConnectionLost
    }

    func connectionMade(_ transport: any Transport) {
        transport.write(Array(message.utf8))
        print("Data sent: \(message)")
    }

    func dataReceived(_ data: [UInt8]) {
        print("Data received: \(String(decoding: data, as: UTF8.self))")
    }

    func connectionLost(_ error: (any Error)?) {
        print("The server closed the connection")
        onConnectionLost()
    }
}

try EventLoop.run { loop in
    let server = try await loop.createServer({ EchoServerProtocol() }, host: "127.0.0.1", port: 0)
    let port = try server.sockets[0].localAddress.port!
    print("Serving on ('127.0.0.1', \(port))")

    let lost = loop.createFuture(of: Void.self)
    let (transport, _) = try await loop.createConnection(
        { EchoClientProtocol(message: "Hello World!") { try? lost.setResult(()) } },
        host: "127.0.0.1", port: port)
    try await lost.value
    transport.close()

    server.close()
    try await server.waitClosed()
}
