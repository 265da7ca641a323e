// The sock_* echo server and client of asyncio's networking walkthrough, in Swift.
//
//   sock-echo-example server [PORT]        echo server (PORT 0: any free port)
//   sock-echo-example client PORT [TEXT…]  send each TEXT, print each reply
//   sock-echo-example                      both in one process, on a free port
//
// Everything runs on one EventLoop: tasks made with `loop.createTask` run on the loop's
// thread, and each `await loop.sock…` suspends the task until the socket is ready.
import AsyncIO

/// Accepts clients forever; each one gets its own task that echoes until end of file.
/// `ready` learns the real port once the server listens.
func runServer(_ loop: isolated EventLoop, port: Int, ready: @escaping (Int) -> Void) async throws {
    let server = try Socket(family: .inet)              // non-blocking by default
    try server.setOption(.reuseAddress, true)
    try server.bind(SocketAddress(host: "127.0.0.1", port: port))
    try server.listen(backlog: 5)
    defer { server.close() }
    ready(try server.localAddress.port!)

    while true {
        // sockAccept throws when the process runs out of descriptors (EMFILE), which
        // would end this loop for good; sockAcceptRetrying reports that once and tries
        // again every second, as asyncio's servers do.
        let (client, address) = try await loop.sockAcceptRetrying(server)
        print("connected to client: \(address)")
        loop.createTask {
            defer { client.close() }
            while true {
                let data = try await loop.sockRecv(client, 1024)
                if data.isEmpty { break }                 // the client closed its end
                print("got from \(address): \(String(decoding: data, as: UTF8.self))")
                try await loop.sockSendAll(client, data)
            }
        }
    }
}

/// Connects, then sends each message and reads its echo back.
func runClient(_ loop: isolated EventLoop, port: Int, messages: [String]) async throws {
    let client = try Socket(family: .inet)
    defer { client.close() }
    try await loop.sockConnect(client, host: "127.0.0.1", port: port)
    for message in messages {
        let bytes = Array(message.utf8)
        try await loop.sockSendAll(client, bytes)
        var reply: [UInt8] = []
        while reply.count < bytes.count {                  // TCP may split the echo
            let chunk = try await loop.sockRecv(client, 1024)
            if chunk.isEmpty { break }
            reply += chunk
        }
        print("got message from server: \(String(decoding: reply, as: UTF8.self))")
    }
}

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "server":
        let port = arguments.count > 1 ? Int(arguments[1]) ?? 0 : 0
        try EventLoop.run { loop in
            try await runServer(loop, port: port) {
                print("listening on 127.0.0.1:\($0)")
                Program.flushOutput()  // at once, also when stdout is a pipe (a script waits for it)
            }
        }
    case "client":
        guard arguments.count > 1, let port = Int(arguments[1]) else {
            print("usage: sock-echo-example client PORT [TEXT…]")
            Program.exit(2)
        }
        let messages = arguments.count > 2 ? Array(arguments[2...]) : ["hello world"]
        try EventLoop.run { loop in try await runClient(loop, port: port, messages: messages) }
    default:
        // Both ends in one process: the server task runs until the client is done.
        try EventLoop.run { loop in
            let port = loop.createFuture() as Future<Int>
            let server = loop.createTask {
                try await runServer(loop, port: 0) { try? port.setResult($0) }
            }
            try await runClient(loop, port: try await port.value,
                                messages: ["ack from client connect success", "hello world"])
            server.cancel()
        }
    }
} catch {
    print("error: \(error)")
    Program.exit(1)
}
