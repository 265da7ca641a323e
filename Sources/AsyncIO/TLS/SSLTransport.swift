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
public final class SSLTransport: Transport, @unchecked Sendable, CustomStringConvertible {
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

    public var peerName: SocketAddress? { plain?.peerName }
    public var sockName: SocketAddress? { plain?.sockName }
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

    public func setProtocol(_ protocol: any BaseProtocol) {
        loop.assertOnLoopThread()
        layer.setAppProtocol(`protocol`)
    }

    public func getProtocol() -> any BaseProtocol { layer.appProtocol }

    // MARK: ReadTransport

    public var isReading: Bool { !layer.isAppReadingPaused }

    public func pauseReading() {
        loop.assertOnLoopThread()
        layer.pauseAppReading()
    }

    public func resumeReading() {
        loop.assertOnLoopThread()
        layer.resumeAppReading()
    }

    // MARK: WriteTransport

    /// Flow-control marks over the whole buffer (asyncio's SSL defaults: 512 KiB high).
    public func setWriteBufferLimits(high: Int?, low: Int?) throws {
        loop.assertOnLoopThread()
        layer.writeLimits = try WriteBufferLimits(high: high, low: low)
        layer.controlAppWriting()
    }

    /// Ciphertext the plain transport buffers plus ciphertext and plaintext waiting in the
    /// TLS layer.
    public var writeBufferSize: Int { layer.writeBufferSize }

    public var writeBufferLimits: (low: Int, high: Int) { (layer.writeLimits.low, layer.writeLimits.high) }

    public func write(_ data: UnsafeRawBufferPointer) {
        loop.assertOnLoopThread()
        layer.writeAppData(data)
    }

    public func write(_ data: [UInt8]) {
        data.withUnsafeBytes { write($0) }
    }

    public func writeLines(_ lines: [[UInt8]]) {
        for line in lines { write(line) }
    }

    /// TLS has no half-close: a programmer error, as asyncio's NotImplementedError.
    public func writeEOF() {
        preconditionFailure("SSL doesn't support half-closes")
    }

    public var canWriteEOF: Bool { false }

    /// Closes the plain transport at once, without close_notify; `connectionLost(nil)`
    /// follows.
    public func abort() {
        loop.assertOnLoopThread()
        isClosedFlag = true
        layer.abort(nil)
    }

    public var description: String {
        "<SSLTransport \(layer.serverSide ? "server" : "client")\(isClosedFlag ? " closing" : "") over \(plain.map { "\($0)" } ?? "nothing")>"
    }
}
