// expect: ok
// README's "Graceful shutdown with swift-service-lifecycle" example, as written there
// (inside a function whose parameters are its `logger` and `otherService`; `…` filled with
// an echo handler).
import AsyncIO
import AsyncIOServiceLifecycle
import Logging
import ServiceLifecycle

func serveInAGroup(logger: Logger, otherService: some Service) async throws {
    let echo = EventLoopService(name: "echo", gracePeriod: .seconds(10), logger: logger) { loop in
        [try await loop.startServer(host: "0.0.0.0", port: 7000) { reader, writer in
            for try await line in reader { writer.write(line) }
        }]
    }
    let group = ServiceGroup(services: [echo, otherService],
                             gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    try await group.run()
}
