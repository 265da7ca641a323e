// An echo server and its client on streams (asyncio's `start_server` and
// `open_connection`): a reader and a writer per connection, awaited line by line.
import AsyncIO

try EventLoop.run { loop in
    // Each client gets its own task running this handler.
    let server = try await loop.startServer(host: "127.0.0.1", port: 0) { reader, writer in
        for try await line in reader {  // asyncio's `async for line in reader`
            print("server: received \(String(decoding: line, as: UTF8.self))", terminator: "")
            writer.write(line)
            try await writer.drain()  // waits while the peer is slow to read
        }
        writer.close()
        try await writer.waitClosed()
    }
    let port = try server.sockets[0].localAddress.port!

    let (reader, writer) = try await loop.openConnection(host: "127.0.0.1", port: port)
    for message in ["hello\n", "world\n"] {
        writer.write(Array(message.utf8))
        let echo = try await reader.readLine()
        print("client: echoed \(String(decoding: echo, as: UTF8.self))", terminator: "")
    }
    writer.close()
    try await writer.waitClosed()

    server.close()
    try await server.waitClosed()
}
