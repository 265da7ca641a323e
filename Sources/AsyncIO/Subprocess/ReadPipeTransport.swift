import Glibc

/// The read end of a pipe to a child: asyncio's `_UnixReadPipeTransport`.
///
/// Events reach the protocol in asyncio's order: `dataReceived`*, then at end of file `eofReceived` and `connectionLost(nil)` on later
/// callbacks; `close()` schedules `connectionLost(nil)`, a read error
/// `connectionLost(error)`. The libuv handle is closed after `connectionLost`, as asyncio
/// closes the pipe in `_call_connection_lost`.
final class ReadPipeTransport: ReadTransport, UVStreamReader, @unchecked Sendable, CustomStringConvertible {
    let loop: EventLoop
    let pipe: UVProcessPipe
    let descriptor: Int32
    private var protocolObject: any StreamingProtocol
    private let sharedReadBuffer: UnsafeMutableRawBufferPointer
    private var isClosingFlag = false
    private var isPaused = false
    private var hasStartedReading = false
    private var isConnectionLost = false

    /// Wraps the open `pipe` and schedules the start of reading. The protocol gets no
    /// `connectionMade` (its `Transport`-typed signature does not fit a read-only pipe;
    /// the subprocess transport's own protocol gets one).
    init(loop: EventLoop, pipe: UVProcessPipe, protocol: any StreamingProtocol) {
        loop.assertOnLoopThread()
        self.loop = loop
        self.pipe = pipe
        descriptor = pipe.descriptor
        protocolObject = `protocol`
        sharedReadBuffer = loop.receiveScratch
        loop.transportDescriptors.insert(descriptor)
        loop.scheduleSoon { [self] in startReadingIfWanted() }
    }

    // MARK: BaseTransport

    /// asyncio's extra `"pipe"`: here the descriptor of our end (an `Int32`).
    func getExtraInfo(_ name: String) -> Any? {
        name == "pipe" ? descriptor : nil
    }

    var peerName: SocketAddress? { nil }
    var sockName: SocketAddress? { nil }
    var socket: Socket? { nil }
    var isClosing: Bool { isClosingFlag }

    func setProtocol(_ protocol: any BaseProtocol) {
        loop.assertOnLoopThread()
        guard let streaming = `protocol` as? any StreamingProtocol else {
            preconditionFailure("a read pipe transport needs a StreamingProtocol, got \(type(of: `protocol`))")
        }
        protocolObject = streaming
    }

    func getProtocol() -> any BaseProtocol { protocolObject }

    /// asyncio's `close()`: stops reading and schedules `connectionLost(nil)`.
    func close() {
        loop.assertOnLoopThread()
        guard !isClosingFlag else { return }
        closeSoon(nil)
    }

    // MARK: ReadTransport

    var isReading: Bool { !isPaused && !isClosingFlag }

    func pauseReading() {
        loop.assertOnLoopThread()
        guard isReading else { return }
        isPaused = true
        pipe.stopReading()
    }

    func resumeReading() {
        loop.assertOnLoopThread()
        guard !isClosingFlag, isPaused else { return }
        isPaused = false
        if hasStartedReading { startReading() }
    }

    private func startReadingIfWanted() {
        hasStartedReading = true
        if isReading { startReading() }
    }

    private func startReading() {
        let status = pipe.startReading(self)
        if status < 0 {
            fatalError(OSError(uvStatus: status, operation: "uv_read_start"), "Fatal read error on pipe transport")
        }
    }

    // MARK: UVStreamReader

    func streamAllocate(suggestedSize: Int) -> UnsafeMutableRawBufferPointer { sharedReadBuffer }

    func streamDidRead(_ count: Int) {
        guard !isClosingFlag else { return }
        protocolObject.dataReceived(Array(UnsafeRawBufferPointer(rebasing: sharedReadBuffer[..<count])))
    }

    /// asyncio's `_read_ready` at end of file: `eofReceived`, then `connectionLost(nil)`.
    func streamDidReachEOF() {
        guard !isClosingFlag else { return }
        if loop.debug { loop.logger.debug("\(self) was closed by peer") }
        isClosingFlag = true
        pipe.stopReading()
        loop.scheduleSoon { [self] in _ = protocolObject.eofReceived() }
        loop.scheduleSoon { [self] in callConnectionLost(nil) }
    }

    func streamDidFail(status: Int32) {
        guard !isClosingFlag else { return }
        fatalError(OSError(errno: -status, message: OSError.strerror(-status)), "Fatal read error on pipe transport")
    }

    // MARK: Closing

    /// asyncio's `_fatal_error`: EIO (a pty closing) is only logged in debug mode.
    private func fatalError(_ error: OSError, _ message: String) {
        if error.errno == EIO {
            if loop.debug { loop.logger.debug("\(self): \(message): \(error)") }
        } else {
            loop.callExceptionHandler(ExceptionContext(
                message: message, error: error,
                extra: ["transport": "\(self)", "protocol": "\(type(of: protocolObject))"]))
        }
        closeSoon(error)
    }

    /// asyncio's `_close`.
    private func closeSoon(_ error: (any Error)?) {
        isClosingFlag = true
        pipe.stopReading()
        loop.scheduleSoon { [self] in callConnectionLost(error) }
    }

    /// asyncio's `_call_connection_lost`: tells the protocol, then closes the pipe.
    private func callConnectionLost(_ error: (any Error)?) {
        guard !isConnectionLost else { return }
        isConnectionLost = true
        protocolObject.connectionLost(error)
        loop.transportDescriptors.remove(descriptor)
        pipe.close()
        protocolObject = DisconnectedProtocol()
    }

    var description: String {
        "<ReadPipeTransport fd=\(descriptor)\(isConnectionLost ? " closed" : isClosingFlag ? " closing" : "")>"
    }
}
