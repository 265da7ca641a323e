// An echo server and its client on the loop's `sock*` layer (asyncio's `sock_accept`,
// `sock_recv`, `sock_sendall`, `sock_connect`), both in one program on one loop.
import AsyncIO

/// Accepts clients until cancelled; each one gets a task that sends back what it
/// receives, until the client closes its end.
func serve(_ loop: isolated EventLoop, _ listener: Socket) async throws {
    while true {
        let (client, address) = try await loop.sockAccept(listener)
        print("server: connection from \(address)")
        loop.createTask {
            defer { client.close() }
            while true {
                let data = try await loop.sockRecv(client, 1024)
                if data.isEmpty { break }  // end of file: the client closed its end
                try await loop.sockSendAll(client, data)
            }
        }
    }
}

/// Connects to the server, sends each message and prints its echo.
func talk(_ loop: isolated EventLoop, to port: Int, _ messages: [String]) async throws {
    let client = try Socket(family: .inet)
    defer { client.close() }
    try await loop.sockConnect(client, host: "127.0.0.1", port: port)
    for message in messages {
        try await loop.sockSendAll(client, Array(message.utf8))
        var echo: [UInt8] = []
        while echo.count < message.utf8.count {  // TCP may deliver the echo in pieces
            let piece = try await loop.sockRecv(client, 1024)
            if piece.isEmpty { break }
            echo += piece
        }
        print("client: echoed \(String(decoding: echo, as: UTF8.self))")
    }
}

// `EventLoop.run` is `asyncio.run`: a new loop runs the closure, then closes.
try EventLoop.run { loop in
    let listener = try Socket(family: .inet)  // non-blocking, as the loop needs
    defer { listener.close() }
    try listener.setOption(.reuseAddress, true)
    try listener.bind(SocketAddress(host: "127.0.0.1", port: 0))  // port 0: any free port
    try listener.listen(backlog: 5)
    let server = loop.createTask { try await serve(loop, listener) }
    try await talk(loop, to: try listener.localAddress.port!, ["hello", "world"])
    server.cancel()
}
