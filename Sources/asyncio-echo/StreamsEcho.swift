import AsyncIO

/// `--mode streams`: the echo server on `startServer`, one task per client:
/// `while data = read(65536) non-empty { write; drain }`, then close.
enum StreamsEcho: EchoServer {
    static func serve(host: String, port: Int) throws {
        try serveUntilSignalled(host: host, port: port) { loop in
            try await loop.startServer(host: host, port: port, backlog: 1024) { reader, writer in
                defer { writer.close() }
                do {
                    while true {
                        let data = try await reader.read(65536)
                        if data.isEmpty { break }
                        writer.write(data)
                        try await writer.drain()
                    }
                } catch is OSError {
                    // The peer reset the connection: an everyday event for a server, not
                    // one for the exception handler's log.
                }
            }
        }
    }
}
