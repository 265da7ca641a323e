import COpenSSL
import Glibc

/// The TLS layer: asyncio's `sslproto.SSLProtocol`. It is the protocol of a plain stream
/// transport and runs an OpenSSL `SSL` object over two memory BIOs: bytes from the socket
/// go into `incoming`, records to send come out of `outgoing`. The user's protocol talks
/// to an `SSLTransport` (asyncio's `_SSLProtocolTransport`) instead of the plain one.
///
/// States, as asyncio's: unwrapped → doHandshake → wrapped → flushing → shutdown →
/// unwrapped. The user's protocol gets `connectionMade` once the handshake is done,
/// `eofReceived` when the peer's close_notify (or a plain EOF) arrives, and
/// `connectionLost` once, after the plain transport's.
///
/// Copies: received ciphertext is read into the loop's receive buffer and written into
/// `incoming` (one copy); plaintext is decrypted straight into the loop's receive buffer
/// (then into the one array a `StreamingProtocol` receives) or into a
/// `BufferedProtocol`'s own buffer. Writes are encrypted from the caller's bytes into
/// `outgoing`, and each flush moves what is there with one transport write.
///
/// Loop-bound: everything runs on the loop thread.
final class SSLProtocol: BufferedProtocol {
    enum State { case unwrapped, doHandshake, wrapped, flushing, shutdown }
    /// What the user's protocol has been told (asyncio's `AppProtocolState`).
    enum AppState { case initial, connectionMade, eof, connectionLost }

    /// asyncio's `constants.SSL_HANDSHAKE_TIMEOUT` and `SSL_SHUTDOWN_TIMEOUT`.
    static let defaultHandshakeTimeout: Duration = .seconds(60)
    static let defaultShutdownTimeout: Duration = .seconds(30)
    /// asyncio's ConnectionResetError (bare there) for a connection that ends before the
    /// handshake does.
    static var lostDuringHandshake: OSError {
        OSError(errno: ECONNRESET, message: "Connection lost during the SSL handshake")
    }
    /// asyncio's `FLOW_CONTROL_HIGH_WATER_SSL_READ` / `_WRITE` (KiB).
    static let readHighWater = 256 * 1024
    static let writeHighWater = 512 * 1024

    let loop: EventLoop
    let context: SSLContext
    let serverSide: Bool
    let serverHostname: String?
    let handshakeTimeout: Duration
    let shutdownTimeout: Duration

    private let ssl: OpaquePointer
    private let incoming: OpaquePointer
    private let outgoing: OpaquePointer

    private(set) var state = State.unwrapped
    private var appState: AppState
    /// The user's protocol, as every protocol answers (`connectionLost`, pause/resume).
    var appProtocol: any BaseProtocol { appReceiver.protocolObject }
    private var appReceiver: StreamReceiver
    /// The app-facing transport, until the connection is lost.
    private(set) var appTransport: SSLTransport?
    /// The plain transport, from `connectionMade` until `connectionLost`.
    private(set) var transport: (any Transport)?
    /// The same transport, when it can be closed with the error that ended the connection
    /// (the library's own stream transports can; a user's transport given to `startTLS`
    /// is aborted instead).
    private var forceClosablePlain: (any ForceClosableTransport)?
    /// Who waits for the handshake (createConnection, startTLS).
    var waiter: LoopWaiter<Void>?
    /// A server's accepted connection, which nobody awaits: asyncio's
    /// `_accept_connection2` awaits its handshake and, in debug mode, reports a failure.
    private let isAccepted: Bool

    private var handshakeTimer: TimerHandle?
    private var shutdownTimer: TimerHandle?
    private var isEOFReceived = false
    private var lostWrites = LostWriteCounter()

    /// Plaintext written while OpenSSL could not take it (during the handshake, or a
    /// renegotiation); normally empty, as memory BIOs always take a whole write.
    private var backlog: [UInt8] = []
    private var backlogStart = 0
    /// Where `outgoing` is drained to before one transport write; allocated last in `init`,
    /// so a failing `init` has nothing to free.
    private var flushBuffer: UnsafeMutableRawBufferPointer

    private(set) var isAppReadingPaused = false
    /// Whether the plain transport asked us to stop writing (its `pauseWriting`).
    private var isSSLWritingPaused = false
    /// asyncio's `_control_app_writing`: the app's writes against the whole buffer.
    var appWriteFlow = BufferFlowControl(limits: try! WriteBufferLimits(high: SSLProtocol.writeHighWater, low: nil),
                                         pausesAtHighMark: true)
    /// asyncio's `_control_ssl_reading`: ciphertext waiting for an app that paused reading.
    private var sslReadFlow = BufferFlowControl(limits: try! WriteBufferLimits(high: SSLProtocol.readHighWater, low: nil),
                                                pausesAtHighMark: true)

    /// Facts about the finished handshake, kept for `SSLTransport`.
    private(set) var session: SSLSessionInfo?

    init(
        loop: EventLoop, appProtocol: any BaseProtocol, context: SSLContext, serverSide: Bool,
        serverHostname: String?, handshakeTimeout: Duration?, shutdownTimeout: Duration?,
        callConnectionMade: Bool = true, isAccepted: Bool = false
    ) throws(SSLError) {
        let receiver = Self.receiver(for: appProtocol)
        self.loop = loop
        self.context = context
        self.serverSide = serverSide
        self.serverHostname = serverHostname
        self.handshakeTimeout = handshakeTimeout ?? Self.defaultHandshakeTimeout
        self.shutdownTimeout = shutdownTimeout ?? Self.defaultShutdownTimeout
        self.isAccepted = isAccepted
        appReceiver = receiver
        appState = callConnectionMade ? .initial : .connectionMade
        ssl = try context.makeSSL(serverSide: serverSide, serverHostname: serverHostname)
        guard let incoming = BIO_new(BIO_s_mem()), let outgoing = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw SSLError.fromQueue(operation: "BIO_new")
        }
        // An empty incoming BIO means "wait for more", never end of file.
        asyncio_bio_set_mem_eof_return(incoming, -1)
        asyncio_bio_set_mem_eof_return(outgoing, -1)
        SSL_set_bio(ssl, incoming, outgoing)  // the SSL object now owns both
        self.incoming = incoming
        self.outgoing = outgoing
        flushBuffer = .allocate(byteCount: 64 * 1024, alignment: 16)
        appTransport = SSLTransport(layer: self)
    }

    deinit {
        SSL_free(ssl)
        flushBuffer.deallocate()
    }

    // MARK: The plain transport's protocol

    func connectionMade(_ transport: any Transport) {
        self.transport = transport
        forceClosablePlain = transport as? any ForceClosableTransport
        startHandshake()
    }

    func getBuffer(_ sizeHint: Int) -> UnsafeMutableRawBufferPointer {
        loop.receiveScratch
    }

    func bufferUpdated(_ count: Int) {
        let scratch = loop.receiveScratch
        var offset = 0
        while offset < count {
            let written = BIO_write(incoming, scratch.baseAddress! + offset, Int32(count - offset))
            guard written > 0 else {
                abortOnFatalError(SSLError.fromQueue(operation: "BIO_write"), "Fatal error on SSL protocol")
                return
            }
            offset += Int(written)
        }
        switch state {
        case .doHandshake: doHandshake()
        case .wrapped: doRead()
        case .flushing: doFlush()
        case .shutdown: doShutdown()
        case .unwrapped: break
        }
    }

    /// The peer closed its side: asyncio treats a plain EOF like close_notify once the
    /// handshake is done (the app gets `eofReceived`, then the connection closes), and as
    /// a reset during the handshake.
    func eofReceived() -> Bool {
        isEOFReceived = true
        if loop.debug { loop.logger.debug("\(self) received EOF") }
        switch state {
        case .doHandshake:
            onHandshakeComplete(Self.lostDuringHandshake)
        case .wrapped:
            state = .flushing
            if isAppReadingPaused { return true }
            doFlush()
        case .flushing:
            doWrite()
            state = .shutdown
            doShutdown()
        case .shutdown:
            doShutdown()
        case .unwrapped:
            break
        }
        return false
    }

    func connectionLost(_ error: (any Error)?) {
        backlog = []
        backlogStart = 0
        drainOutgoingDiscarding()
        lostWrites.connectionLost()
        appTransport?.isClosedFlag = true
        if state != .doHandshake, appState == .connectionMade || appState == .eof {
            appState = .connectionLost
            let app = appProtocol
            loop.scheduleSoon { app.connectionLost(error) }
        }
        let wasHandshaking = state == .doHandshake
        // A handshake cut short by a clean close is a reset for whoever awaits it.
        let waiterError = error ?? (wasHandshaking ? Self.lostDuringHandshake : nil)
        if wasHandshaking, let waiterError { reportFailedHandshake(waiterError) }
        state = .unwrapped
        transport = nil
        forceClosablePlain = nil
        appTransport = nil
        appReceiver = .disconnected
        wakeUpWaiter(waiterError)
        handshakeTimer?.cancel()
        handshakeTimer = nil
        shutdownTimer?.cancel()
        shutdownTimer = nil
    }

    /// The plain transport's buffer is above its high-water mark: keep ciphertext in
    /// `outgoing` until it drains.
    func pauseWriting() {
        assert(!isSSLWritingPaused)
        isSSLWritingPaused = true
    }

    func resumeWriting() {
        assert(isSSLWritingPaused)
        isSSLWritingPaused = false
        processOutgoing()
    }

    // MARK: Handshake

    private func startHandshake() {
        state = .doHandshake
        handshakeTimer = loop.scheduleLater(handshakeTimeout) { [weak self] in self?.checkHandshakeTimeout() }
        doHandshake()
    }

    /// asyncio's `_check_handshake_timeout`: it raises ConnectionAbortedError, which is
    /// `OSError` ECONNABORTED here; the transport's loss then wakes the waiter with it.
    private func checkHandshakeTimeout() {
        handshakeTimer = nil
        guard state == .doHandshake else { return }
        abortOnFatalError(OSError(errno: ECONNABORTED, message: Self.handshakeTimeoutMessage(handshakeTimeout)),
                   "Fatal error on transport")
    }

    /// asyncio's text for a handshake timeout. Its f-string prints the timeout as a Python
    /// float (60 → "60.0", 0.5 → "0.5"), which is what `Double.description` prints too:
    /// both are the shortest form that reads back the same, with exponents from 1e16 and
    /// below 1e-4.
    static func handshakeTimeoutMessage(_ timeout: Duration) -> String {
        "SSL handshake is taking longer than \(timeout / .seconds(1)) seconds: aborting the connection"
    }

    private func doHandshake() {
        ERR_clear_error()
        let status = SSL_do_handshake(ssl)
        if status == 1 {
            processOutgoing()
            onHandshakeComplete(nil)
            return
        }
        let code = SSL_get_error(ssl, status)
        if code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE {
            processOutgoing()
        } else {
            let error = handshakeError(code)
            // Send the alert that tells the peer why.
            processOutgoing()
            onHandshakeComplete(error)
        }
    }

    private func handshakeError(_ code: Int32) -> any Error {
        let result = SSL_get_verify_result(ssl)
        // Without verification OpenSSL still records a result, but it did not fail on it.
        if result != X509_V_OK && SSL_get_verify_mode(ssl) != SSL_VERIFY_NONE {
            ERR_clear_error()
            var message = X509_verify_cert_error_string(result).map { String(cString: $0) } ?? "error \(result)"
            if result == X509_V_ERR_HOSTNAME_MISMATCH || result == X509_V_ERR_IP_ADDRESS_MISMATCH, let serverHostname {
                message = "\(result == X509_V_ERR_HOSTNAME_MISMATCH ? "Hostname" : "IP address") mismatch, "
                    + "certificate is not valid for '\(serverHostname)'."
            }
            return SSLCertVerificationError(verifyCode: Int(result), verifyMessage: message)
        }
        if code == SSL_ERROR_SYSCALL || code == SSL_ERROR_SSL {
            return SSLError.fromQueue(operation: "SSL_do_handshake")
        }
        return SSLError(reason: "SSL_get_error \(code)", operation: "SSL_do_handshake")
    }

    private func onHandshakeComplete(_ error: (any Error)?) {
        handshakeTimer?.cancel()
        handshakeTimer = nil
        if let error {
            state = .unwrapped
            let message = error is SSLCertVerificationError
                ? "SSL handshake failed on verifying the certificate" : "SSL handshake failed"
            reportFailedHandshake(error)
            abortOnFatalError(error, message)
            wakeUpWaiter(error)
            return
        }
        state = .wrapped
        session = SSLSessionInfo(ssl: ssl)
        if appState == .initial, let appTransport {
            appState = .connectionMade
            appReceiver.connectionMade(appTransport)
        }
        wakeUpWaiter(nil)
        doRead()
    }

    /// asyncio's `_accept_connection2` when the handshake of an accepted connection fails:
    /// in debug mode the exception handler hears of it (a timeout, a plain-text client, a
    /// reset); otherwise nothing does, as the connection is just closed.
    private func reportFailedHandshake(_ error: any Error) {
        guard isAccepted, loop.debug else { return }
        loop.callExceptionHandler(ExceptionContext(
            message: Server.incomingConnectionFailure, error: error,
            extra: ["protocol": "\(appProtocol)", "transport": "\(appTransport.map { "\($0)" } ?? "nil")"]))
    }

    private func wakeUpWaiter(_ error: (any Error)?) {
        guard let waiter else { return }
        self.waiter = nil
        if let error { waiter.resume(throwing: error) } else { waiter.resume(returning: ()) }
    }

    // MARK: Shutdown

    /// asyncio's `_start_shutdown`: the app transport's `close()`, or the peer's EOF.
    func startShutdown() {
        switch state {
        case .flushing, .shutdown, .unwrapped: return
        case .doHandshake, .wrapped: break
        }
        appTransport?.isClosedFlag = true
        if state == .doHandshake {
            abort(nil)
        } else {
            state = .flushing
            shutdownTimer = loop.scheduleLater(shutdownTimeout) { [weak self] in self?.checkShutdownTimeout() }
            doFlush()
        }
    }

    private func checkShutdownTimeout() {
        shutdownTimer = nil
        guard state == .flushing || state == .shutdown else { return }
        forceCloseTransport(TimeoutError())
    }

    private func doFlush() {
        doRead()
        // Reading may have delivered data whose handler closed or aborted everything.
        guard state == .flushing else { return }
        state = .shutdown
        doShutdown()
    }

    /// asyncio's `_do_shutdown`: send close_notify, then wait for the peer's (or its EOF)
    /// before closing the plain transport.
    private func doShutdown() {
        guard state == .shutdown else { return }
        if !isEOFReceived {
            ERR_clear_error()
            let status = SSL_shutdown(ssl)
            if status != 1 {
                let code = status == 0 ? SSL_ERROR_WANT_READ : SSL_get_error(ssl, status)
                if code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE {
                    processOutgoing()
                    return
                }
                if code == SSL_ERROR_ZERO_RETURN {
                    // Already done; fall through to completion.
                } else {
                    onShutdownComplete(SSLError.fromQueue(operation: "SSL_shutdown"))
                    return
                }
            }
        }
        processOutgoing()
        callEOFReceived()
        onShutdownComplete(nil)
    }

    private func onShutdownComplete(_ error: (any Error)?) {
        shutdownTimer?.cancel()
        shutdownTimer = nil
        if let error {
            abortOnFatalError(error, "Fatal error on SSL protocol")
        } else if let transport {
            loop.scheduleSoon { transport.close() }
        }
    }

    /// asyncio's `_abort`: the app transport's `abort()`.
    func abort(_ error: (any Error)?) {
        state = .unwrapped
        forceCloseTransport(error)
    }

    private func forceCloseTransport(_ error: (any Error)?) {
        if let forceClosablePlain {
            forceClosablePlain.forceClose(error)
        } else {
            transport?.abort()
        }
    }

    /// asyncio's `_fatal_error`: OS-level and TLS failures (resets, bad records, failed
    /// verification, timeouts) only reach the debug log; anything else is a bug worth
    /// the exception handler.
    func abortOnFatalError(_ error: any Error, _ message: String) {
        forceCloseTransport(error)
        switch error {
        case is OSError, is SSLError, is SSLCertVerificationError, is TimeoutError, is CancellationError:
            if loop.debug { loop.logger.debug("\(self): \(message): \(error)") }
        default:
            loop.callExceptionHandler(ExceptionContext(
                message: message, error: error,
                extra: ["transport": "\(transport.map { "\($0)" } ?? "nil")", "protocol": "\(self)"]))
        }
    }

    // MARK: Writing

    /// asyncio's `_write_appdata`.
    func writeAppData(_ data: UnsafeRawBufferPointer) {
        switch state {
        case .flushing, .shutdown, .unwrapped:
            lostWrites.dropWrite(loop, warning: "SSL connection is closed")
            return
        case .doHandshake, .wrapped:
            break
        }
        guard !data.isEmpty else { return }
        if state == .wrapped && backlogStart == backlog.count {
            guard let taken = encrypt(data) else { return }
            if taken < data.count { appendBacklog(UnsafeRawBufferPointer(rebasing: data[taken...])) }
            processOutgoing()
        } else {
            appendBacklog(data)
            if state == .wrapped { doWrite() } else { controlAppWriting() }
        }
    }

    private func appendBacklog(_ data: UnsafeRawBufferPointer) {
        if backlogStart == backlog.count {
            backlog.removeAll(keepingCapacity: true)
            backlogStart = 0
        }
        backlog.append(contentsOf: data)
    }

    var backlogSize: Int { backlog.count - backlogStart }

    /// asyncio's `_do_write`: encrypt the backlog, then flush.
    private func doWrite() {
        if backlogStart < backlog.count {
            let taken = backlog.withUnsafeBytes { encrypt(UnsafeRawBufferPointer(rebasing: $0[backlogStart...])) }
            guard let taken else { return }
            backlogStart += taken
        }
        processOutgoing()
    }

    /// Encrypts as much of `plaintext` into `outgoing` as OpenSSL takes now (all of it,
    /// unless a handshake or renegotiation is under way) and returns how much; nil after a
    /// fatal error, which closed the connection.
    private func encrypt(_ plaintext: UnsafeRawBufferPointer) -> Int? {
        var offset = 0
        while offset < plaintext.count {
            ERR_clear_error()
            let written = SSL_write(ssl, plaintext.baseAddress! + offset, Int32(clamping: plaintext.count - offset))
            if written > 0 {
                offset += Int(written)
                continue
            }
            let code = SSL_get_error(ssl, written)
            guard code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE else {
                abortOnFatalError(SSLError.fromQueue(operation: "SSL_write"), "Fatal error on SSL protocol")
                return nil
            }
            break
        }
        return offset
    }

    /// asyncio's `_process_outgoing`: move what OpenSSL produced to the plain transport in
    /// one write, unless the plain transport asked us to wait.
    private func processOutgoing() {
        if !isSSLWritingPaused, let transport {
            let pending = Int(asyncio_bio_pending(outgoing))
            if pending > 0 {
                if flushBuffer.count < pending {
                    flushBuffer.deallocate()
                    flushBuffer = .allocate(byteCount: max(pending, flushBuffer.count * 2), alignment: 16)
                }
                let read = BIO_read(outgoing, flushBuffer.baseAddress, Int32(clamping: pending))
                if read > 0 {
                    transport.write(UnsafeRawBufferPointer(rebasing: flushBuffer[..<Int(read)]))
                }
            }
        }
        controlAppWriting()
    }

    private func drainOutgoingDiscarding() {
        let pending = Int(asyncio_bio_pending(outgoing))
        if pending > 0 {
            let read = BIO_read(outgoing, flushBuffer.baseAddress, Int32(clamping: min(pending, flushBuffer.count)))
            if read > 0, pending > read { drainOutgoingDiscarding() }
        }
    }

    /// The app transport's buffer: ciphertext the plain transport still holds, ciphertext
    /// waiting in `outgoing`, and plaintext not yet encrypted.
    var writeBufferSize: Int {
        (transport?.writeBufferSize ?? 0) + Int(asyncio_bio_pending(outgoing)) + backlogSize
    }

    /// asyncio's `_control_app_writing`.
    func controlAppWriting() {
        let size = writeBufferSize
        if appWriteFlow.shouldPause(bufferSize: size) {
            appProtocol.pauseWriting()
        } else if appWriteFlow.shouldResume(bufferSize: size) {
            appProtocol.resumeWriting()
        }
    }

    // MARK: Reading

    /// asyncio's `_do_read`: decrypt what `incoming` holds for the app, unless it paused.
    private func doRead() {
        guard state == .wrapped || state == .flushing else { return }
        if !isAppReadingPaused {
            switch appReceiver {
            case .streaming(let p): readCopied(p)
            case .buffered(let p): readBuffered(p)
            }
            guard transport != nil else { return }
            if backlogStart < backlog.count { doWrite() } else { processOutgoing() }
        }
        controlSSLReading()
    }

    private func readCopied(_ app: any StreamingProtocol) {
        let scratch = loop.receiveScratch
        var total = 0
        var sawEOF = false
        while true {
            ERR_clear_error()
            let count = SSL_read(ssl, scratch.baseAddress! + total, Int32(clamping: scratch.count - total))
            if count > 0 {
                total += Int(count)
                if total < scratch.count { continue }
                app.dataReceived(Array(UnsafeRawBufferPointer(rebasing: scratch[..<total])))
                total = 0
                // The app may have paused reading, closed or aborted meanwhile.
                guard state == .wrapped || state == .flushing, !isAppReadingPaused else { return }
                continue
            }
            let code = SSL_get_error(ssl, count)
            if code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE { break }
            if code == SSL_ERROR_ZERO_RETURN {
                sawEOF = true
                break
            }
            let error = SSLError.fromQueue(operation: "SSL_read")
            if total > 0 { app.dataReceived(Array(UnsafeRawBufferPointer(rebasing: scratch[..<total]))) }
            abortOnFatalError(error, "Fatal error on SSL protocol")
            return
        }
        if total > 0 { app.dataReceived(Array(UnsafeRawBufferPointer(rebasing: scratch[..<total]))) }
        if sawEOF {
            callEOFReceived()
            startShutdown()
        }
    }

    private func readBuffered(_ app: any BufferedProtocol) {
        let pending = Int(asyncio_bio_pending(incoming))
        let buffer = app.getBuffer(pending > 0 ? pending : -1)
        guard buffer.count > 0, let base = buffer.baseAddress else {
            abortOnFatalError(EmptyProtocolBufferError(), "Fatal error: protocol.getBuffer() call failed.")
            return
        }
        var offset = 0
        var sawEOF = false
        var failure: SSLError?
        while offset < buffer.count {
            ERR_clear_error()
            let count = SSL_read(ssl, base + offset, Int32(clamping: buffer.count - offset))
            if count > 0 {
                offset += Int(count)
                continue
            }
            let code = SSL_get_error(ssl, count)
            if code == SSL_ERROR_ZERO_RETURN {
                sawEOF = true
            } else if code != SSL_ERROR_WANT_READ && code != SSL_ERROR_WANT_WRITE {
                failure = SSLError.fromQueue(operation: "SSL_read")
            }
            break
        }
        if offset > 0 { app.bufferUpdated(offset) }
        if let failure {
            abortOnFatalError(failure, "Fatal error on SSL protocol")
            return
        }
        if offset == buffer.count {
            // The buffer filled up: more may wait in OpenSSL; read it on the next turn.
            loop.scheduleSoon { [weak self] in self?.doRead() }
        }
        if sawEOF {
            callEOFReceived()
            startShutdown()
        }
    }

    private func callEOFReceived() {
        guard appState == .connectionMade else { return }
        appState = .eof
        let keepOpen = appReceiver.eofReceived()
        if keepOpen && !(appProtocol is StreamReaderProtocol) {
            loop.logger.warning("returning true from eofReceived() has no effect when using ssl")
        }
    }

    /// asyncio's `_control_ssl_reading`: stop reading the socket while too much ciphertext
    /// waits for an app that paused reading.
    private func controlSSLReading() {
        let size = Int(asyncio_bio_pending(incoming))
        if sslReadFlow.shouldPause(bufferSize: size) {
            transport?.pauseReading()
        } else if sslReadFlow.shouldResume(bufferSize: size) {
            transport?.resumeReading()
        }
    }

    /// The app transport's `pauseReading` (asyncio's `_pause_reading`).
    func pauseAppReading() {
        isAppReadingPaused = true
    }

    /// The app transport's `resumeReading` (asyncio's `_resume_reading`): decrypt what
    /// waits on the next turn of the loop.
    func resumeAppReading() {
        guard isAppReadingPaused else { return }
        isAppReadingPaused = false
        loop.scheduleSoon { [weak self] in
            guard let self else { return }
            switch state {
            case .wrapped: doRead()
            case .flushing: doFlush()
            case .shutdown: doShutdown()
            case .doHandshake, .unwrapped: break
            }
        }
    }

    /// The app transport's `setProtocol`.
    func setAppProtocol(_ protocol: any BaseProtocol) {
        appReceiver = Self.receiver(for: `protocol`)
    }

    /// Where decrypted bytes go for `protocol`; any other kind is a programmer error.
    private static func receiver(for protocol: any BaseProtocol) -> StreamReceiver {
        guard let receiver = StreamReceiver(`protocol`) else {
            preconditionFailure("a TLS connection needs \(StreamReceiver.accepted), got \(type(of: `protocol`))")
        }
        return receiver
    }
}

extension SSLProtocol: CustomStringConvertible {
    var description: String {
        "<SSLProtocol \(serverSide ? "server" : "client") state=\(state)>"
    }
}
