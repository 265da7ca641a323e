/// Writes to a stream connection or a child's stdin: asyncio's `StreamWriter`.
///
/// A thin layer over its transport: `write` never blocks (the transport buffers what the
/// socket does not take), and `drain()` is where a writer waits for the buffer to go
/// down (flow control) and learns that the connection failed. It needs only a
/// `WriteTransport`: drain and `waitClosed` wait on the `StreamFlowControl` of the
/// transport's protocol, not on the protocol itself.
///
/// Loop-bound: use it on its loop's thread only.
public final class StreamWriter {
    /// The transport written to (asyncio's `transport`): a socket's `Transport`, or a
    /// child's stdin pipe.
    public internal(set) var transport: any WriteTransport
    /// The connection's protocol, which `startTLS` switches to the TLS transport; nil for
    /// a subprocess's stdin (asyncio's `_protocol`).
    let streamProtocol: StreamReaderProtocol?
    /// What `drain` and `waitClosed` wait on: the protocol's flow control.
    let flowControl: StreamFlowControl
    /// The reader of the same connection, if any: `drain` throws its exception.
    public let reader: StreamReader?
    /// The loop the writer belongs to.
    public let loop: EventLoop

    /// A writer over `transport` (asyncio's `StreamWriter(transport, protocol, reader, loop)`).
    public convenience init(transport: any WriteTransport, protocol: StreamReaderProtocol, reader: StreamReader?, loop: EventLoop) {
        self.init(transport: transport, streamProtocol: `protocol`, flowControl: `protocol`.flowControl,
                  reader: reader, loop: loop)
    }

    /// A writer whose protocol is not a `StreamReaderProtocol` (a subprocess's stdin,
    /// whose `SubprocessStreamProtocol` owns `flowControl`).
    init(transport: any WriteTransport, streamProtocol: StreamReaderProtocol? = nil, flowControl: StreamFlowControl,
         reader: StreamReader?, loop: EventLoop) {
        self.transport = transport
        self.streamProtocol = streamProtocol
        self.flowControl = flowControl
        self.reader = reader
        self.loop = loop
    }

    /// Sends `data`, buffering what the socket does not take at once (asyncio's `write`).
    /// Call `drain()` now and then to respect flow control.
    @inline(__always)
    public func write(_ data: [UInt8]) {
        transport.write(data)
    }

    /// Sends the bytes `data` points to; they are copied only if the socket does not take
    /// them at once (an addition to asyncio's `write`).
    @inline(__always)
    public func write(_ data: UnsafeRawBufferPointer) {
        transport.write(data)
    }

    /// Sends several buffers in one vectored write (asyncio's `writelines`).
    public func writeLines(_ lines: [[UInt8]]) {
        transport.writeLines(lines)
    }

    /// Closes the write side once the buffer is flushed (asyncio's `write_eof`).
    public func writeEOF() {
        transport.writeEOF()
    }

    /// Whether `writeEOF` is supported (asyncio's `can_write_eof()`).
    public var canWriteEOF: Bool { transport.canWriteEOF }

    /// Closes the transport after flushing its buffer (asyncio's `close`); wait with
    /// `waitClosed()`.
    public func close() {
        transport.close()
    }

    /// Whether the transport is closing or closed (asyncio's `is_closing()`).
    public var isClosing: Bool { transport.isClosing }

    /// Waits until the connection is lost (asyncio's `wait_closed()`); throws the error it
    /// was lost with, if any.
    nonisolated(nonsending) public func waitClosed() async throws {
        try await flowControl.waitClosed()
    }

    /// Transport information by asyncio's key (asyncio's `get_extra_info(name)`):
    /// `"peername"`, `"sockname"`, `"socket"` for a connection; nil for unknown keys.
    public func getExtraInfo(_ name: String) -> Any? {
        transport.getExtraInfo(name)
    }

    /// Waits until it is appropriate to write again (asyncio's `drain()`):
    ///
    /// - throws the reader's `exception` if it has one (the connection failed);
    /// - if the transport is closing, yields to the loop once, so `connectionLost` can run,
    ///   and then throws `OSError` ECONNRESET "Connection lost" when the connection is gone;
    /// - waits while the transport has paused writing (its buffer above the high-water mark).
    ///
    /// Returns without suspending when writing is not paused and the transport is open.
    nonisolated(nonsending) public func drain() async throws {
        loop.assertOnLoopThread()
        if let exception = reader?.exception { throw exception }
        if transport.isClosing {
            // asyncio's `await sleep(0)`: without this yield, `write(); await drain()` in a
            // loop would never let connectionLost run and never see the error.
            try await loop.yieldToLoop()
        }
        if flowControl.isDrained { return }
        try await flowControl.drainHelper()
    }
}

extension StreamWriter: CustomStringConvertible {
    /// asyncio's `repr`: `<StreamWriter transport=… reader=…>`.
    public var description: String {
        var text = "<StreamWriter transport=\(transport)"
        if let reader { text += " reader=\(reader)" }
        return text + ">"
    }
}
