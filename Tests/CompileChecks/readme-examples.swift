// expect: ok
// README's first two examples, as written there (inside functions, as a file of their own
// would run them at top level).
import AsyncIO

func firstLoop() throws {
    try EventLoop.run { loop in
        let answers = try await loop.getAddrInfo(host: "localhost", port: 8080)
        print(answers.map(\.address))   // [('127.0.0.1', 8080), …]: one per socket type
        let waiter = loop.createFuture(of: String.self)
        loop.callLater(.milliseconds(10)) { try waiter.setResult("tick") }
        print(try await withTimeout(.seconds(1)) { try await waiter.value })
        let sum = try await loop.runInExecutor { (1...1_000).reduce(0, +) }  // on libuv's pool
        print(sum)
    }
}

func streamsEcho() throws {
    try EventLoop.run { loop in
        let server = try await loop.startServer(host: "127.0.0.1", port: 0) { reader, writer in
            for try await line in reader {          // asyncio's `async for line in reader`
                writer.write(line)
                try await writer.drain()
            }
            writer.close()
        }
        let port = try server.sockets[0].localAddress.port!
        let (reader, writer) = try await loop.openConnection(host: "127.0.0.1", port: port)
        writer.write(Array("hello\n".utf8))
        print(String(decoding: try await reader.readLine(), as: UTF8.self))   // hello
        writer.close()
        try await writer.waitClosed()
        server.close()
        try await server.waitClosed()
    }
}
