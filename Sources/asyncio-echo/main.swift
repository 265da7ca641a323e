import ArgumentParser
import Glibc

/// The layers an echo server can be built on; each mode lives in its own file
/// (SocketsEcho.swift, ProtocolEcho.swift, ...) and is listed in `EchoMode.server`.
enum EchoMode: String, CaseIterable, ExpressibleByArgument {
    case `protocol`
    case buffered
    case streams
    case sockets

    /// The server for this mode. Adding a mode is one file with a type conforming to
    /// `EchoServer` plus one line here.
    var server: any EchoServer.Type {
        switch self {
        case .protocol: ProtocolEcho.self
        case .buffered: BufferedEcho.self
        case .streams: StreamsEcho.self
        case .sockets: SocketsEcho.self
        }
    }
}

/// One way of running the echo server.
protocol EchoServer {
    /// Listens on `host`:`port` (0: any free port), prints `listening on HOST:PORT` with
    /// the real port on stdout once it accepts connections, echoes every byte back until
    /// each peer closes, and returns after SIGINT or SIGTERM once everything is closed.
    static func serve(host: String, port: Int) throws
}

/// Prints the line the benchmark and black-box tests wait for, and flushes it at once
/// (stdout is a pipe there, so it would otherwise sit in the buffer).
func announceListening(host: String, port: Int) {
    print("listening on \(host):\(port)")
    fflush(nil) // every output stream; Swift 6 cannot name the C global `stdout`
}

struct AsyncIOEcho: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "asyncio-echo",
        abstract: "An echo server built on one layer of AsyncIO (for benchmarks and black-box tests)."
    )

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port; the real one is printed).")
    var port = 0

    @Option(help: "The layer to build the server on: \(EchoMode.allCases.map(\.rawValue).joined(separator: ", ")).")
    var mode: EchoMode = .protocol

    mutating func run() throws {
        try mode.server.serve(host: host, port: port)
    }
}

AsyncIOEcho.main()
