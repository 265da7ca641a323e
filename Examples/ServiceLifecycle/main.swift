// An AsyncIO echo server in a swift-service-lifecycle ServiceGroup, beside another service.
//
//   service-lifecycle-example [--port P] [--grace-period SECONDS]
//
// Prints `listening on 127.0.0.1:PORT` once it accepts connections. On SIGTERM or SIGINT
// the group shuts down gracefully: the server stops accepting, connections already open
// are served for the grace period (default 10 s), then closed after what they buffered
// is written; the process exits 0.
import AsyncIO
import AsyncIOServiceLifecycle
import Logging
import ServiceLifecycle

/// The other service of the group: it only waits for the graceful shutdown and says so,
/// as a real one (a metrics exporter, a job queue) would finish its work then.
struct ShutdownAnnouncer: Service {
    let logger: Logger

    func run() async throws {
        try await gracefulShutdown()
        logger.info("announcer: graceful shutdown began")
    }
}

/// `--port P --grace-period SECONDS`, or a usage message.
func parseArguments(_ arguments: [String]) -> (port: Int, gracePeriod: Duration)? {
    var port = 0
    var gracePeriod = Duration.seconds(10)
    var rest = arguments[...]
    while let name = rest.popFirst() {
        guard let value = rest.popFirst() else { return nil }
        switch name {
        case "--port":
            guard let number = Int(value), (0...65535).contains(number) else { return nil }
            port = number
        case "--grace-period":
            guard let seconds = Double(value), seconds >= 0 else { return nil }
            gracePeriod = .milliseconds(Int64(seconds * 1000))
        default:
            return nil
        }
    }
    return (port, gracePeriod)
}

guard let options = parseArguments(Array(CommandLine.arguments.dropFirst())) else {
    print("usage: service-lifecycle-example [--port P] [--grace-period SECONDS]")
    Program.exit(64)  // EX_USAGE
}
LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
let logger = Logger(label: "service-lifecycle-example")

let echo = EventLoopService(name: "echo", gracePeriod: options.gracePeriod, logger: logger) { loop in
    let server = try await loop.startServer(host: "127.0.0.1", port: options.port) { reader, writer in
        defer { writer.close() }
        do {
            while true {
                let data = try await reader.read(65536)
                if data.isEmpty { break }  // the client closed its end
                writer.write(data)
                try await writer.drain()
            }
        } catch is OSError {
            // The peer reset the connection: an everyday event, not one to report.
        }
    }
    print("listening on 127.0.0.1:\(try server.sockets[0].localAddress.port!)")
    Program.flushOutput()  // at once, also when stdout is a pipe (the test waits for it)
    return [server]
}

let group = ServiceGroup(
    services: [echo, ShutdownAnnouncer(logger: logger)],
    gracefulShutdownSignals: [.sigterm, .sigint],
    logger: logger)
do {
    try await group.run()
} catch {
    logger.error("service group failed: \(error)")
    Program.exit(1)
}
