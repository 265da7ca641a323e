import AsyncIO
import Glibc

/// asyncio's EchoServerProtocol: every chunk received is written straight back (after the
/// `--work` hashing, if any).
/// A peer that sends without reading fills our write buffer; reading pauses then, so
/// memory stays bounded by the transport's flow control.
final class EchoStreamingProtocol: StreamingProtocol {
    private var transport: (any Transport)?
    private let work: CPUWork
    private var digest: UInt64 = 0

    init(work: CPUWork) { self.work = work }

    func connectionMade(_ transport: any Transport) { self.transport = transport }
    func dataReceived(_ data: [UInt8]) {
        if work.rounds > 0 { data.withUnsafeBytes { work.run($0, into: &digest) } }
        transport?.write(data)
    }
    func pauseWriting() { transport?.pauseReading() }
    func resumeWriting() { transport?.resumeReading() }
    func connectionLost(_ error: (any Error)?) {
        transport = nil
        work.keep(digest)
    }
}

/// The receive buffer that every `EchoBufferedProtocol` of one loop shares.
final class ReceiveBuffer {
    let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
    deinit { bytes.deallocate() }
}

/// The same echo as a `BufferedProtocol`: libuv reads straight into a 256 KiB buffer
/// (asyncio's largest read) and `bufferUpdated` writes back what arrived, with no
/// per-read array. `write` sends at once what the socket takes and copies only the rest,
/// so the buffer is free again when `bufferUpdated` returns: one buffer serves every
/// connection of a loop (one per loop with `--loops`, made by the loop itself).
final class EchoBufferedProtocol: BufferedProtocol {
    private let buffer: ReceiveBuffer
    private var transport: (any Transport)?
    private let work: CPUWork
    private var digest: UInt64 = 0

    init(buffer: ReceiveBuffer, work: CPUWork) {
        self.buffer = buffer
        self.work = work
    }

    func connectionMade(_ transport: any Transport) { self.transport = transport }
    func getBuffer(_ sizeHint: Int) -> UnsafeMutableRawBufferPointer { buffer.bytes }
    func bufferUpdated(_ count: Int) {
        let received = UnsafeRawBufferPointer(rebasing: buffer.bytes[..<count])
        work.run(received, into: &digest)
        transport?.write(received)
    }
    func pauseWriting() { transport?.pauseReading() }
    func resumeWriting() { transport?.resumeReading() }
    func connectionLost(_ error: (any Error)?) {
        transport = nil
        work.keep(digest)
    }
}

/// `--mode protocol`: the echo server on `createServer` with a `StreamingProtocol`.
enum ProtocolEcho: EchoServer {
    static func serve(_ options: EchoOptions) throws {
        let work = options.work
        try serveUntilSignalled(options) { loop in
            try await loop.createServer({ EchoStreamingProtocol(work: work) }, host: options.host,
                                        port: options.port, backlog: 1024)
        } group: { group in
            try await group.createServer({ EchoStreamingProtocol(work: work) }, host: options.host,
                                         port: options.port, backlog: 1024, clientGracePeriod: .zero,
                                         distribution: options.distribution)
        }
    }
}

/// `--mode buffered`: the echo server on `createServer` with a `BufferedProtocol`.
enum BufferedEcho: EchoServer {
    static func serve(_ options: EchoOptions) throws {
        let work = options.work
        try serveUntilSignalled(options) { loop in
            let buffer = ReceiveBuffer()
            return try await loop.createServer({ EchoBufferedProtocol(buffer: buffer, work: work) },
                                               host: options.host, port: options.port, backlog: 1024)
        } group: { group in
            try await group.createServer(perLoop: { _ in
                let buffer = ReceiveBuffer()
                return { EchoBufferedProtocol(buffer: buffer, work: work) }
            }, host: options.host, port: options.port, backlog: 1024, clientGracePeriod: .zero,
               distribution: options.distribution)
        }
    }
}

/// Runs the server `start` makes on one loop (no `--loops`), or the one `group` makes on
/// an `EventLoopGroup` of `--loops N`; announces it, and on SIGINT or SIGTERM closes it
/// and its connections before returning. With a group it then prints how many
/// connections each loop accepted (`connections per loop: 51 49`).
func serveUntilSignalled(
    _ options: EchoOptions,
    _ start: @escaping @Sendable (isolated EventLoop) async throws -> Server,
    group makeGroupServer: @escaping @Sendable (EventLoopGroup) async throws -> GroupServer
) throws {
    if let loops = options.loops {
        let group = try EventLoopGroup(loopCount: loops)
        try group.run { _ in
            let server = try await makeGroupServer(group)
            announceListening(host: options.host, port: server.port ?? options.port)
            do {
                try await server.serveForever()  // until SIGINT or SIGTERM stops the group
            } catch is CancellationError {}
            let counts = await server.connectionCounts()
            print("connections per loop: \(counts.map(String.init).joined(separator: " "))")
            Program.flushOutput()
        }
        return
    }
    try EventLoop.run { loop in
        let server = try await start(loop)
        let stop = loop.createFuture(of: Void.self)
        for signal in [SIGINT, SIGTERM] {
            try loop.addSignalHandler(signal) { if !stop.isDone { try stop.setResult(()) } }
        }
        announceListening(host: options.host, port: (try? server.sockets.first?.localAddress.port) ?? nil ?? options.port)
        try await stop.value
        server.close()
        server.closeClients()
        try await withTimeout(.seconds(5)) { try await server.waitClosed() }
    }
}
