import AsyncIO
import Glibc

/// `--mode sockets`: the echo server on `loop.sock_*` (asyncio's `sock_accept`,
/// `sock_recv`, `sock_sendall`), one task per client. It survives running out of
/// descriptors as the other modes do (`sockAcceptRetrying`).
enum SocketsEcho: EchoServer {
    static func serve(_ options: EchoOptions) throws {
        let (host, port, work) = (options.host, options.port, options.work)
        try EventLoop.run { loop in
            let listener = try await listen(loop, host: host, port: port)
            let clients = OpenSockets()
            let stop = loop.createFuture() as Future<Void>
            for signal in [SIGINT, SIGTERM] {
                try loop.addSignalHandler(signal) { if !stop.isDone { try stop.setResult(()) } }
            }
            announceListening(host: host, port: try listener.localAddress.port ?? port)

            let acceptor = loop.createTask {
                while true {
                    // Out of descriptors, this waits (reported once, retried every second)
                    // instead of throwing, as the protocol and streams modes' Server does.
                    let (client, _) = try await loop.sockAcceptRetrying(listener)
                    clients.add(client)
                    loop.createTask {
                        defer { clients.close(client) }
                        try await echo(loop, client, work: work)
                    }
                }
            }

            try await stop.value
            acceptor.cancel()
            _ = await acceptor.result
            listener.close()
            // Closing a socket fails its pending sockRecv/sockSendAll, which ends its task.
            clients.closeAll()
            // The signal handlers stay until the loop closes, so a second SIGTERM during
            // shutdown is absorbed instead of killing the process with status 143.
        }
    }

    /// The hot loop: receive whatever arrived, send it all back, until end of file.
    private static func echo(_ loop: isolated EventLoop, _ client: Socket, work: CPUWork) async throws {
        var digest: UInt64 = 0
        defer { work.keep(digest) }
        while true {
            let data = try await loop.sockRecv(client, 65536)
            if data.isEmpty { return }
            if work.rounds > 0 { data.withUnsafeBytes { work.run($0, into: &digest) } }
            try await loop.sockSendAll(client, data)
        }
    }

    /// A listening socket on the first address `host` resolves to.
    private static func listen(_ loop: isolated EventLoop, host: String, port: Int) async throws -> Socket {
        let answers = try await loop.getAddrInfo(host: host, port: port, type: Int32(SOCK_STREAM.rawValue),
                                                 flags: AI_PASSIVE)
        guard let address = answers.first?.address else {
            throw AddressResolutionError(code: EAI_NONAME, host: host)
        }
        let listener = try Socket(family: address.family)
        try listener.setOption(level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
        try listener.bind(address)
        try listener.listen(backlog: 1024)
        return listener
    }
}

/// The client sockets still open, so shutdown can close them. Loop thread only.
private final class OpenSockets: @unchecked Sendable {
    private var sockets: [Int32: Socket] = [:]

    func add(_ socket: Socket) { sockets[socket.fileno] = socket }

    func close(_ socket: Socket) {
        if sockets[socket.fileno] === socket { sockets[socket.fileno] = nil }
        socket.close()
    }

    func closeAll() {
        let open = sockets.values
        sockets.removeAll()
        for socket in open { socket.close() }
    }
}
