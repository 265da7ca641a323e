import Glibc

/// The one transport over a libuv stream (uvloop's `UVStream`): the read path (allocate,
/// read, hand over) and the write path (try now, queue the rest, count it for flow
/// control) are written here once. Its roles are configurations of it, subclasses that
/// only choose a role and the protocols they conform to:
///
/// - `StreamTransport`: a TCP or Unix socket (asyncio's `_SelectorSocketTransport`);
/// - `ReadPipeTransport`: the read end of a pipe to a child (`_UnixReadPipeTransport`);
/// - `WritePipeTransport`: the write end, which also reads its end to notice the child
///   closing the pipe (`_UnixWritePipeTransport`).
///
/// The life (close, abort, lost once, the fatal-error path) is `TransportCore`'s.
/// Lifetime: the libuv handle keeps the transport alive (as its reader and through its
/// write requests) until libuv closes it; `connectionLost` then drops the protocol, which
/// breaks the transport ↔ protocol cycle.
class BaseStreamTransport: TransportCore<StreamReceiver>, UVStreamReader {
    /// What the stream is, which decides the few rules in which asyncio's socket and pipe
    /// transports differ.
    enum Role {
        case socket, readPipe, writePipe

        /// What asyncio's messages call the transport.
        var noun: String { self == .socket ? "socket" : "pipe" }

        /// asyncio's warning for writes dropped after the loss.
        var lostWriteWarning: String {
            self == .socket ? "socket.send() raised exception."
                : "pipe closed by peer or os.write(pipe, data) raised exception."
        }
    }

    let handle: UVStream
    let descriptor: Int32
    let role: Role
    /// A view of the socket (sockets only): options and addresses, not I/O.
    let socketView: Socket?
    let peerName: SocketAddress?
    let sockName: SocketAddress?
    /// The loop-wide receive buffer, which streaming protocols read through (see
    /// `EventLoop.receiveScratch`).
    let sharedReadBuffer: UnsafeMutableRawBufferPointer

    // The read and write sides' own state; the close state is `state`.
    var isReadingPaused = false
    var hasStartedReading = false
    var isEOFReceived = false
    var isEOFWritten = false
    /// Set while `loop.sendFile` runs on this transport (asyncio's `_empty_waiter`).
    var sendfileHold: SendfileHold?

    init(
        loop: EventLoop, handle: UVStream, descriptor: Int32, role: Role, receiver: StreamReceiver,
        socketView: Socket? = nil, peerName: SocketAddress? = nil, sockName: SocketAddress? = nil
    ) {
        self.handle = handle
        self.descriptor = descriptor
        self.role = role
        self.socketView = socketView
        self.peerName = peerName
        self.sockName = sockName
        sharedReadBuffer = loop.receiveScratch
        super.init(loop: loop, slot: receiver)
        loop.transportDescriptors.insert(descriptor)
    }

    // MARK: BaseTransport

    /// asyncio's `get_extra_info`: a socket's `"peername"`, `"sockname"` and `"socket"`;
    /// a pipe's `"pipe"` (here the descriptor of our end, an `Int32`).
    func getExtraInfo(_ name: String) -> Any? {
        switch (role, name) {
        case (.socket, "peername"): peerName
        case (.socket, "sockname"): sockName
        case (.socket, "socket"): socketView
        case (.readPipe, "pipe"), (.writePipe, "pipe"): descriptor
        default: nil
        }
    }

    var socket: Socket? { socketView }

    /// asyncio's `close()`: stops reading and, once the write buffer is flushed, closes
    /// and schedules `connectionLost(nil)`. A write pipe's `close()` is its `writeEOF()`.
    func close() {
        loop.assertOnLoopThread()
        if role == .writePipe { return writeEOF() }
        guard beginClosing() else { return }
        handle.stopReading()
        closeIfFlushed()
    }

    /// Closes now if nothing is buffered; otherwise the write that empties the buffer does
    /// (`writeCompleted`).
    func closeIfFlushed() {
        if handle.writeQueueSize == 0 { forceClose(nil) }
    }

    /// asyncio's `abort()`: closes at once, dropping buffered data.
    func abort() {
        loop.assertOnLoopThread()
        forceClose(nil)
    }

    // MARK: TransportCore

    /// Closes the libuv handle, which closes the descriptor and cancels queued writes.
    override func closeResources() {
        guard !handle.isCloseRequested else { return }
        // A sendfile polling the descriptor must stop before libuv closes it.
        sendfileHold?.transportWillClose()
        loop.transportDescriptors.remove(descriptor)
        socketView?.invalidateView()
        handle.close()
    }

    override var bufferedByteCount: Int { writeBufferSize }

    /// asyncio's `_fatal_error` rules: a socket's OS errors are connection losses; a read
    /// pipe's EIO is a pty closing; a write pipe's broken pipe, reset or abort
    /// (`_FATAL_ERROR_IGNORE`) is the child going away.
    override func isExpectedLoss(_ error: any Error) -> Bool {
        guard let error = error as? OSError else { return false }
        switch role {
        case .socket: return true
        case .readPipe: return error.errno == EIO
        case .writePipe: return error.isBrokenPipe || error.isConnectionReset || error.isConnectionAborted
        }
    }

    override var description: String {
        var text = "<\(type(of: self)) fd=\(descriptor)\(state.label)"
        if let peerName { text += " peer=\(peerName)" }
        if role != .readPipe { text += " bufsize=\(writeBufferSize)" }
        return text + ">"
    }
}
