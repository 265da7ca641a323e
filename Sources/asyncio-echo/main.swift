import AsyncIO
import Glibc

/// The layers an echo server can be built on; each mode lives in its own file
/// (SocketsEcho.swift, ProtocolEcho.swift, ...) and is listed in `EchoMode.server`.
enum EchoMode: String, CaseIterable {
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
    /// Listens on `options.host`:`options.port` (0: any free port), prints `listening on
    /// HOST:PORT` with the real port on stdout once it accepts connections, echoes every
    /// byte back until each peer closes, and returns after SIGINT or SIGTERM once
    /// everything is closed. With `options.loops`, on an `EventLoopGroup` of that many loops.
    static func serve(_ options: EchoOptions) throws
}

/// Prints the line the benchmark and black-box tests wait for, and flushes it at once
/// (stdout is a pipe there, so it would otherwise sit in the buffer).
func announceListening(host: String, port: Int) {
    print("listening on \(host):\(port)")
    fflush(nil) // every output stream; Swift 6 cannot name the C global `stdout`
}

/// The command line: `--host H --port P --mode M --loops N --work R` (and `--help`).
///
/// Parsed by hand rather than with swift-argument-parser, which brings Foundation into
/// the process: about 3.5 MiB of resident memory, a third of this server's footprint,
/// which the benchmark's peak-RSS column would charge to AsyncIO.
struct EchoOptions {
    var host = "127.0.0.1"
    var port = 0
    var mode = EchoMode.protocol
    /// `--loops N`: serve on an `EventLoopGroup` of N loops; nil: one plain loop.
    var loops: Int?
    /// `--distribution D`: how a group's connections reach its loops.
    var distribution = GroupServer.Distribution.reusePort
    /// `--work R`: hash every received byte R times before echoing it.
    var work = CPUWork(rounds: 0)

    static let usage = """
        usage: asyncio-echo [--host H] [--port P] [--mode \(EchoMode.allCases.map(\.rawValue).joined(separator: "|"))] [--loops N [--distribution reuseport|roundrobin]] [--work R]

        An echo server built on one layer of AsyncIO (for benchmarks and black-box tests).
          --host H   the address to listen on (default 127.0.0.1)
          --port P   the port to listen on (default 0: any free port; the real one is printed)
          --mode M   the layer to build the server on (default protocol)
          --loops N  serve on an EventLoopGroup of N loops, one thread each, one listening
                     socket each (SO_REUSEPORT); 0: one per CPU this process may use.
                     Prints `connections per loop: A B ...` after SIGINT/SIGTERM.
                     Modes protocol, buffered and streams. Default: one plain loop.
          --distribution D   with --loops: reuseport (every loop listens; the kernel picks)
                     or roundrobin (loop 0 accepts and hands connections out in turn)
          --work R   hash every received byte R times (FNV-1a) before echoing it: a CPU-bound
                     handler for scaling measurements (default 0)
        """

    /// The options, or a message saying which argument is wrong.
    static func parse(_ arguments: [String]) -> Result<EchoOptions, UsageError> {
        var options = EchoOptions()
        var rest = arguments[...]
        while let name = rest.popFirst() {
            guard ["--host", "--port", "--mode", "--loops", "--distribution", "--work"].contains(name) else {
                return .failure(UsageError(message: "unknown argument '\(name)'"))
            }
            guard let value = rest.popFirst() else {
                return .failure(UsageError(message: "missing value for '\(name)'"))
            }
            switch name {
            case "--host":
                options.host = value
            case "--port":
                guard let port = Int(value), (0...65535).contains(port) else {
                    return .failure(UsageError(message: "invalid port '\(value)' (0-65535)"))
                }
                options.port = port
            case "--loops":
                guard let loops = Int(value), (0...1024).contains(loops) else {
                    return .failure(UsageError(message: "invalid loop count '\(value)' (0-1024)"))
                }
                options.loops = loops == 0 ? EventLoopGroup.defaultLoopCount : loops
            case "--distribution":
                switch value {
                case "reuseport": options.distribution = .reusePort
                case "roundrobin": options.distribution = .roundRobin
                default: return .failure(UsageError(message: "unknown distribution '\(value)' (reuseport, roundrobin)"))
                }
            case "--work":
                guard let rounds = Int(value), (0...1_000_000).contains(rounds) else {
                    return .failure(UsageError(message: "invalid work '\(value)' (0-1000000 rounds)"))
                }
                options.work = CPUWork(rounds: rounds)
            default:
                guard let mode = EchoMode(rawValue: value) else {
                    return .failure(UsageError(message: "unknown mode '\(value)'"))
                }
                options.mode = mode
            }
        }
        if options.loops != nil, options.mode == .sockets {
            return .failure(UsageError(message: "--loops works with modes protocol, buffered and streams, not sockets"))
        }
        return .success(options)
    }
}

struct UsageError: Error {
    var message: String
}

/// Writes to standard error without Foundation.
func printError(_ text: String) {
    var bytes = Array((text + "\n").utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
        if written <= 0 { return }
        bytes = bytes.dropFirst(written)
    }
}

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") || arguments.contains("-h") {
    print(EchoOptions.usage)
    exit(0)
}
switch EchoOptions.parse(arguments) {
case .failure(let error):
    printError("asyncio-echo: \(error.message)\n\n\(EchoOptions.usage)")
    exit(64)  // EX_USAGE
case .success(let options):
    do {
        try options.mode.server.serve(options)
    } catch {
        printError("asyncio-echo: \(error)")
        exit(1)
    }
}
