/// The protocol between a stream transport and a `StreamReader`/`StreamWriter` pair:
/// asyncio's `StreamReaderProtocol` (with its `FlowControlMixin`).
///
/// It is a `BufferedProtocol`: `getBuffer` hands the transport the free tail of the
/// reader's own buffer, so received bytes go from the socket into the reader with no
/// intermediate copy, and `bufferUpdated` wakes a waiting read directly.
///
/// For `StreamWriter.drain()` and `waitClosed()` it hands the transport's
/// `pauseWriting`/`resumeWriting`/`connectionLost` to its `StreamFlowControl`.
///
/// On the server side (`startServer`) it takes a `clientConnected` callback: when the
/// connection is made it creates the `StreamWriter` and runs the callback as a task on the
/// loop. An error the callback throws goes to the loop's exception handler ("Unhandled
/// exception in client_connected_cb") and closes the transport; so does cancellation,
/// without the report (asyncio 3.13).
///
/// Loop-bound: the transport calls it on the loop's thread.
public final class StreamReaderProtocol: BufferedProtocol {
    /// The server-side callback: asyncio's `client_connected_cb`.
    public typealias ClientConnected = nonisolated(nonsending) (StreamReader, StreamWriter) async throws -> Void

    /// The loop the protocol belongs to.
    public let loop: EventLoop
    /// The reader the transport's bytes go to (asyncio's `_stream_reader`).
    let reader: StreamReader
    private let clientConnected: ClientConnected?

    /// The transport, from `connectionMade` until `connectionLost` (asyncio's `_transport`).
    private(set) var transport: (any Transport)?
    /// The task running `clientConnected` (asyncio's `_task`).
    private(set) var clientTask: Task<Void, any Error>?

    /// Drain and wait-closed for the connection's writer (asyncio's `FlowControlMixin`
    /// and `_closed` future).
    let flowControl: StreamFlowControl

    /// A protocol feeding `reader`; with `clientConnected`, one that starts the callback
    /// when the connection is made (asyncio's `StreamReaderProtocol(stream_reader,
    /// client_connected_cb=None, loop)`).
    public init(reader: StreamReader, clientConnected: ClientConnected? = nil, loop: EventLoop) {
        self.reader = reader
        self.clientConnected = clientConnected
        self.loop = loop
        flowControl = StreamFlowControl(loop: loop)
    }

    // MARK: Connection events

    /// Keeps the transport, lets the reader pause it, and on the server side starts the
    /// client-connected callback (asyncio's `connection_made`).
    public func connectionMade(_ transport: any Transport) {
        loop.assertOnLoopThread()
        self.transport = transport
        reader.setTransport(transport)
        guard let clientConnected else { return }
        // The callback, the reader and the writer belong to this loop, and the task runs
        // on it: the compiler cannot see that the body's loop parameter is this loop.
        nonisolated(unsafe) let handler = clientConnected, reader = reader
        nonisolated(unsafe) let writer = StreamWriter(transport: transport, protocol: self, reader: reader, loop: loop)
        clientTask = loop.spawnTask { loop in
            do {
                try await handler(reader, writer)
            } catch is CancellationError {
                writer.close()
            } catch {
                loop.callExceptionHandler(ExceptionContext(
                    message: "Unhandled exception in client_connected_cb",
                    error: error,
                    extra: ["transport": "\(writer.transport)"]))
                writer.close()
            }
        }
    }

    /// The free tail of the reader's buffer (asyncio's `get_buffer`): at least `sizeHint`
    /// bytes when the reader's buffer is empty (64 KiB without a hint).
    public func getBuffer(_ sizeHint: Int) -> UnsafeMutableRawBufferPointer {
        reader.receiveBuffer(sizeHint: sizeHint)
    }

    /// Commits `count` received bytes to the reader and wakes its waiting read
    /// (asyncio's `buffer_updated`; `data_received` → `feed_data` for the plain protocol).
    public func bufferUpdated(_ count: Int) {
        reader.commitReceived(count)
    }

    /// Feeds EOF to the reader and returns true, so the transport stays open for writing
    /// until the writer closes it (asyncio's `eof_received`, which returns true except
    /// over TLS).
    public func eofReceived() -> Bool {
        reader.feedEOF()
        return true
    }

    /// Ends the reader (EOF, or the error as its exception), completes `waitClosed`, and
    /// releases paused drains (asyncio's `connection_lost`).
    public func connectionLost(_ error: (any Error)?) {
        loop.assertOnLoopThread()
        if let error {
            reader.setException(error)
        } else {
            reader.feedEOF()
        }
        // FlowControlMixin.connection_lost and the `_closed` future.
        flowControl.connectionLost(error)
        // asyncio drops its references here; the reader's goes too, which breaks the
        // reader → transport → protocol → reader cycle whatever the transport does.
        reader.detachTransport()
        transport = nil
        clientTask = nil
    }

    // MARK: Flow control (asyncio's FlowControlMixin)

    /// The transport's buffer went above its high-water mark: the writer's drains wait
    /// from now on (asyncio's `pause_writing`).
    public func pauseWriting() {
        flowControl.pauseWriting()
        if loop.debug { loop.logger.debug("\(self) pauses writing") }
    }

    /// The transport's buffer drained to its low-water mark: every waiting drain returns
    /// (asyncio's `resume_writing`).
    public func resumeWriting() {
        flowControl.resumeWriting()
        if loop.debug { loop.logger.debug("\(self) resumes writing") }
    }

    /// Whether this protocol serves a `startServer` connection (asyncio's
    /// `_client_connected_cb is not None`); `StreamWriter.startTLS` upgrades that side as
    /// the server.
    var isServerSide: Bool { clientConnected != nil }

    /// Switches to the TLS transport `StreamWriter.startTLS` made (asyncio's
    /// `_replace_transport`): the reader pauses and resumes that one from now on.
    func replaceTransport(_ transport: any Transport) {
        self.transport = transport
        reader.replaceTransport(transport)
    }
}

extension StreamReaderProtocol: CustomStringConvertible {
    /// A summary for logs (asyncio's `repr`): the reader, and whether writing is paused.
    public var description: String {
        "<StreamReaderProtocol reader=\(reader)\(flowControl.isWritingPaused ? " paused" : "")>"
    }
}
