/// The transport a protocol gets on a TLS connection: asyncio's `_SSLProtocolTransport`.
/// Writes are encrypted and sent over the plain transport underneath; reads arrive
/// decrypted. `createConnection(ssl:)`, `createServer(ssl:)` and `startTLS` hand it out
/// as `any Transport`; cast to `SSLTransport` for the typed TLS facts.
///
/// Differences from a plain transport, as in asyncio: `writeEOF` is not supported (TLS has
/// no half-close; `canWriteEOF` is false), `close()` sends close_notify and closes the
/// socket once the peer answers or closes (or after the shutdown timeout), and returning
/// true from `eofReceived` has no effect.
///
/// Loop-bound: use it on its loop's thread only.
public final class SSLTransport: Transport, CustomStringConvertible {
    let layer: SSLProtocol
    /// asyncio's `_closed`.
    var isClosedFlag = false

    init(layer: SSLProtocol) {
        self.layer = layer
    }

    /// The loop the connection runs on.
    public var loop: EventLoop { layer.loop }

    /// The context the connection was made with (`getExtraInfo("sslcontext")`).
    public var sslContext: SSLContext { layer.context }

    /// Whether this end is the server (Python's `SSLObject.server_side`).
    public var serverSide: Bool { layer.serverSide }

    /// The host name a client sent (SNI) and checked (Python's `SSLObject.server_hostname`).
    public var serverHostname: String? { layer.serverHostname }

    /// The peer's certificate (`getExtraInfo("peercert")`); nil before the handshake or when
    /// the peer sent none.
    public var peerCertificate: SSLPeerCertificate? { layer.session?.peerCertificate }

    /// The negotiated cipher: name, protocol version, secret bits (`getExtraInfo("cipher")`).
    public var cipher: (name: String, version: String, bits: Int)? { layer.session?.cipher }

    /// The negotiated protocol version, e.g. `TLSv1.3` (Python's `SSLObject.version()`).
    public var tlsVersion: String? { layer.session?.version }

    /// The ALPN protocol both ends agreed on (Python's `selected_alpn_protocol()`).
    public var selectedALPNProtocol: String? { layer.session?.alpnProtocol }

    private var plain: (any Transport)? { layer.transport }

    // MARK: BaseTransport

    /// asyncio's keys: `"sslcontext"`, `"peercert"` (`SSLPeerCertificate`), `"cipher"`
    /// (a tuple), `"ssl_object"` (this transport, which carries the SSL object's facts),
    /// and the plain transport's keys (`"peername"`, `"sockname"`, `"socket"`).
    public func getExtraInfo(_ name: String) -> Any? {
        switch name {
        case "sslcontext": return sslContext
        case "peercert": return peerCertificate
        case "cipher": return cipher
        case "ssl_object": return self
        case "compression": return nil
        default: return plain?.getExtraInfo(name)
        }
    }

    /// The plain transport's peer address (`getExtraInfo("peername")`).
    public var peerName: SocketAddress? { plain?.peerName }
    /// The plain transport's local address (`getExtraInfo("sockname")`).
    public var sockName: SocketAddress? { plain?.sockName }
    /// The socket under the plain transport, for options and addresses only.
    public var socket: Socket? { plain?.socket }

    /// asyncio's `is_closing()`.
    public var isClosing: Bool { isClosedFlag }

    /// Starts the TLS shutdown: close_notify is sent after the buffered data, and the plain
    /// transport closes once the peer answers or closes; `connectionLost` follows.
    public func close() {
        loop.assertOnLoopThread()
        guard !isClosedFlag else { return }
        isClosedFlag = true
        layer.startShutdown()
    }

    /// Replaces the protocol that receives the decrypted data (asyncio's `set_protocol`).
    public func setProtocol(_ protocol: any BaseProtocol) {
        loop.assertOnLoopThread()
        layer.setAppProtocol(`protocol`)
    }

    /// The protocol that receives the decrypted data (asyncio's `get_protocol`).
    public func getProtocol() -> any BaseProtocol { layer.appProtocol }

    // MARK: ReadTransport

    /// Whether decrypted data is delivered (asyncio's `is_reading()`).
    public var isReading: Bool { !layer.isAppReadingPaused }

    /// Stops delivering data; ciphertext then waits in the TLS layer, and past 256 KiB the
    /// socket is no longer read (asyncio's `pause_reading`).
    public func pauseReading() {
        loop.assertOnLoopThread()
        layer.pauseAppReading()
    }

    /// Delivers data again, from the next loop iteration (asyncio's `resume_reading`).
    public func resumeReading() {
        loop.assertOnLoopThread()
        layer.resumeAppReading()
    }

    // MARK: WriteTransport

    /// Flow-control marks over the whole buffer (asyncio's SSL defaults: 512 KiB high).
    public func setWriteBufferLimits(high: Int?, low: Int?) throws {
        loop.assertOnLoopThread()
        layer.appWriteFlow.limits = try WriteBufferLimits(high: high, low: low)
        layer.controlAppWriting()
    }

    /// Ciphertext the plain transport buffers plus ciphertext and plaintext waiting in the
    /// TLS layer.
    public var writeBufferSize: Int { layer.writeBufferSize }

    /// The flow-control marks (asyncio's `get_write_buffer_limits()`).
    public var writeBufferLimits: (low: Int, high: Int) { (layer.appWriteFlow.limits.low, layer.appWriteFlow.limits.high) }

    /// Encrypts `data` and sends it (asyncio's `write`); dropped once closing, with a
    /// warning after a few attempts, as asyncio's "SSL connection is closed".
    public func write(_ data: UnsafeRawBufferPointer) {
        loop.assertOnLoopThread()
        layer.writeAppData(data)
    }

    /// Encrypts `data` and sends it (asyncio's `write`).
    public func write(_ data: [UInt8]) {
        data.withUnsafeBytes { write($0) }
    }

    /// Encrypts and sends each buffer in turn (asyncio's `writelines`).
    public func writeLines(_ lines: [[UInt8]]) {
        for line in lines { write(line) }
    }

    /// TLS has no half-close: a programmer error, as asyncio's NotImplementedError.
    public func writeEOF() {
        preconditionFailure("SSL doesn't support half-closes")
    }

    /// Always false: TLS has no half-close (asyncio's `can_write_eof()`).
    public var canWriteEOF: Bool { false }

    /// Closes the plain transport at once, without close_notify; `connectionLost(nil)`
    /// follows.
    public func abort() {
        loop.assertOnLoopThread()
        isClosedFlag = true
        layer.abort(nil)
    }

    /// A summary for logs: the side, whether closing, and the plain transport.
    public var description: String {
        "<SSLTransport \(layer.serverSide ? "server" : "client")\(isClosedFlag ? " closing" : "") over \(plain.map { "\($0)" } ?? "nothing")>"
    }
}
