import AsyncIO

/// `--mode streams`: the echo server on `startServer`, one task per client:
/// `while data = read(65536) non-empty { write; drain }`, then close.
enum StreamsEcho: EchoServer {
    static func serve(_ options: EchoOptions) throws {
        let work = options.work
        try serveUntilSignalled(options) { loop in
            try await loop.startServer(host: options.host, port: options.port, backlog: 1024) { reader, writer in
                try await echo(reader, writer, work: work)
            }
        } group: { group in
            try await group.startServer(host: options.host, port: options.port, backlog: 1024,
                                        clientGracePeriod: .zero, distribution: options.distribution) { reader, writer in
                try await echo(reader, writer, work: work)
            }
        }
    }

    /// One client's echo, on the loop that accepted it.
    nonisolated(nonsending) private static func echo(
        _ reader: StreamReader, _ writer: StreamWriter, work: CPUWork
    ) async throws {
        defer { writer.close() }
        var digest: UInt64 = 0
        do {
            while true {
                let data = try await reader.read(65536)
                if data.isEmpty { break }
                if work.rounds > 0 { data.withUnsafeBytes { work.run($0, into: &digest) } }
                writer.write(data)
                try await writer.drain()
            }
        } catch is OSError {
            // The peer reset the connection: an everyday event for a server, not
            // one for the exception handler's log.
        }
        work.keep(digest)
    }
}
