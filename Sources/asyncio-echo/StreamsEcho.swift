import AsyncIO

/// `--mode streams`: the echo server on `startServer`, one task per client:
/// `while data = read(65536) non-empty { write; drain }`, then close.
enum StreamsEcho: EchoServer {
    static func serve(host: String, port: Int) throws {
        try serveUntilSignalled(host: host, port: port) { loop in
            try await loop.startServer(host: host, port: port, backlog: 1024) { reader, writer in
                while true {
                    let data = try await reader.read(65536)
                    if data.isEmpty { break }
                    writer.write(data)
                    try await writer.drain()
                }
                writer.close()
            }
        }
    }
}
