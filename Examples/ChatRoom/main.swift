// A chat server: every line a client sends goes to every other client. A client that
// stops reading is dropped once its outbox is full, so it never stalls the room (see
// ChatRoom.swift).
//
//   chat-example [--host H] [--port P] [--outbox N]
//
// Prints `listening on HOST:PORT` once it accepts connections; stops on SIGINT or SIGTERM.
// Try it with a few `nc 127.0.0.1 PORT` in other terminals.
import AsyncIO

var host = "127.0.0.1"
var port = 0
var outboxSize = 256
var arguments = CommandLine.arguments.dropFirst()
while let name = arguments.popFirst() {
    guard let value = arguments.popFirst(), ["--host", "--port", "--outbox"].contains(name) else {
        print("usage: chat-example [--host H] [--port P] [--outbox N]")
        Program.exit(2)
    }
    switch name {
    case "--host": host = value
    case "--port": port = Int(value) ?? -1
    default: outboxSize = Int(value) ?? 0
    }
    guard (0...65535).contains(port), outboxSize > 0 else {
        print("chat-example: bad value '\(value)' for \(name)")
        Program.exit(2)
    }
}

try EventLoop.run { [host, port, outboxSize] loop in
    // stdout may be a pipe (a log collector, a test): each line goes out at once.
    let room = ChatRoom(loop: loop, outboxSize: outboxSize) { line in
        print(line)
        Program.flushOutput()
    }
    let server = try await loop.startServer(host: host, port: port) { reader, writer in
        try await room.serve(loop, reader, writer)
    }
    let stop = loop.createFuture(of: Void.self)
    for signal in [Signal.interrupt, .terminate] {
        try loop.addSignalHandler(signal) { if !stop.isDone { try stop.setResult(()) } }
    }
    print("listening on \(host):\(try server.sockets[0].localAddress.port ?? port)")
    Program.flushOutput()
    try await stop.value
    server.close()
    server.closeClients()
    try await server.waitClosed()
}
