import COpenSSL
import Glibc

/// TLS settings shared by connections: Python's `ssl.SSLContext`, which asyncio takes as
/// its `ssl` argument. Wraps an OpenSSL `SSL_CTX`.
///
/// Configure a context before handing it to a connection or server; connections read its
/// settings when they start. It may be shared by connections on several loops.
public final class SSLContext: @unchecked Sendable {
    /// Which end the context is for: Python's `PROTOCOL_TLS_CLIENT` / `PROTOCOL_TLS_SERVER`.
    public enum Side: Sendable {
        /// `PROTOCOL_TLS_CLIENT`: `checkHostname` on, `verifyMode` `.required`.
        case client
        /// `PROTOCOL_TLS_SERVER`: `checkHostname` off, `verifyMode` `.none`.
        case server
    }

    /// Whether and how the peer's certificate is checked: Python's `CERT_NONE`,
    /// `CERT_OPTIONAL`, `CERT_REQUIRED`.
    public enum VerifyMode: Sendable {
        /// No check (`CERT_NONE`); a server does not ask for a client certificate.
        case none
        /// A certificate the peer sends must verify; a client may send none (`CERT_OPTIONAL`).
        case optional
        /// The peer must send a certificate that verifies (`CERT_REQUIRED`).
        case required
    }

    /// The `SSL_CTX`.
    let raw: OpaquePointer
    /// The end this context is for.
    public let side: Side

    /// Whether a client checks that the server's certificate matches the server host name
    /// (Python's `check_hostname`). Turning it on makes `verifyMode` `.required` when it
    /// was `.none`, as Python does.
    public var checkHostname: Bool {
        didSet { if checkHostname && verifyMode == .none { verifyMode = .required } }
    }

    /// Whether the peer's certificate is checked (Python's `verify_mode`). Setting `.none`
    /// while `checkHostname` is on is a programmer error (Python's ValueError "Cannot set
    /// verify_mode to CERT_NONE when check_hostname is enabled.").
    public var verifyMode: VerifyMode {
        willSet {
            precondition(newValue != .none || !checkHostname,
                         "Cannot set verifyMode to .none when checkHostname is enabled")
        }
    }

    /// ALPN protocols offered (client) or accepted in order of preference (server),
    /// in wire form; nil when none were set.
    private var alpnWire: UnsafeMutableBufferPointer<UInt8>?

    /// A context for `side` with Python's defaults: TLS 1.2 or later, no certificates
    /// loaded (Python's `SSLContext(PROTOCOL_TLS_CLIENT)` / `(PROTOCOL_TLS_SERVER)`).
    public init(_ side: Side) throws(SSLError) {
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_method()) else { throw SSLError.fromQueue(operation: "SSL_CTX_new") }
        raw = context
        self.side = side
        checkHostname = side == .client
        verifyMode = side == .client ? .required : .none
        _ = asyncio_ssl_ctx_set_min_proto_version(context, TLS1_2_VERSION)
        // Writes from Swift arrays may move between retries; memory BIOs never block.
        _ = asyncio_ssl_ctx_set_mode(context, asyncio_ssl_mode_partial_writes())
    }

    /// A client context that trusts the system's CA certificates, or a server context:
    /// Python's `ssl.create_default_context()` (purpose `SERVER_AUTH` for `.client`).
    public static func createDefaultContext(_ side: Side = .client) throws(SSLError) -> SSLContext {
        let context = try SSLContext(side)
        if side == .client { try context.loadDefaultCerts() }
        return context
    }

    deinit {
        SSL_CTX_free(raw)
        alpnWire?.deallocate()
    }

    /// Loads the certificate chain (leaf first) and private key from PEM files
    /// (Python's `load_cert_chain(certfile, keyfile)`; `keyFile` nil: the key is in
    /// `certFile`). Throws `OSError` with the errno and the path for a file that cannot be
    /// read (Python's FileNotFoundError, IsADirectoryError, PermissionError), `SSLError`
    /// for content that is not PEM or a key that does not match the certificate.
    public func loadCertChain(certFile: String, keyFile: String? = nil) throws {
        ERR_clear_error()
        try Self.checkReadable(certFile)
        guard SSL_CTX_use_certificate_chain_file(raw, certFile) == 1 else {
            throw SSLError.fromQueue(operation: "load_cert_chain \(certFile)")
        }
        if let keyFile { try Self.checkReadable(keyFile) }
        guard SSL_CTX_use_PrivateKey_file(raw, keyFile ?? certFile, SSL_FILETYPE_PEM) == 1 else {
            throw SSLError.fromQueue(operation: "load_cert_chain \(keyFile ?? certFile)")
        }
        guard SSL_CTX_check_private_key(raw) == 1 else { throw SSLError.fromQueue(operation: "load_cert_chain") }
    }

    /// Loads the certificate chain and private key from PEM bytes (an addition to
    /// Python's file-only `load_cert_chain`, handy for tests and embedded keys).
    public func loadCertChain(certPEM: [UInt8], keyPEM: [UInt8]) throws(SSLError) {
        ERR_clear_error()
        let certificates = try Self.readCertificates(certPEM, operation: "load_cert_chain")
        defer { for certificate in certificates { X509_free(certificate) } }
        guard let leaf = certificates.first else {
            throw SSLError(reason: "no certificate found in PEM data", operation: "load_cert_chain")
        }
        guard SSL_CTX_use_certificate(raw, leaf) == 1 else { throw SSLError.fromQueue(operation: "load_cert_chain") }
        for intermediate in certificates.dropFirst() {
            guard asyncio_ssl_ctx_add1_chain_cert(raw, intermediate) == 1 else {
                throw SSLError.fromQueue(operation: "load_cert_chain")
            }
        }
        let key = keyPEM.withUnsafeBytes { bytes -> OpaquePointer? in
            guard let bio = BIO_new_mem_buf(bytes.baseAddress, Int32(bytes.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        guard let key else { throw SSLError.fromQueue(operation: "load_cert_chain: private key") }
        defer { EVP_PKEY_free(key) }
        guard SSL_CTX_use_PrivateKey(raw, key) == 1, SSL_CTX_check_private_key(raw) == 1 else {
            throw SSLError.fromQueue(operation: "load_cert_chain")
        }
    }

    /// Trusts the CA certificates in a PEM file (Python's `load_verify_locations(cafile)`).
    /// Throws `OSError` with the errno and the path for a file that cannot be read,
    /// `SSLError` for one with no certificate in it.
    public func loadVerifyLocations(caFile: String) throws {
        ERR_clear_error()
        try Self.checkReadable(caFile)
        guard SSL_CTX_load_verify_file(raw, caFile) == 1 else {
            throw SSLError.fromQueue(operation: "load_verify_locations \(caFile)")
        }
    }

    /// Trusts the CA certificates in PEM bytes (Python's `load_verify_locations(cadata)`).
    public func loadVerifyLocations(caData: [UInt8]) throws(SSLError) {
        ERR_clear_error()
        let certificates = try Self.readCertificates(caData, operation: "load_verify_locations")
        defer { for certificate in certificates { X509_free(certificate) } }
        guard !certificates.isEmpty else {
            throw SSLError(reason: "no certificate found in PEM data", operation: "load_verify_locations")
        }
        let store = SSL_CTX_get_cert_store(raw)
        for certificate in certificates where X509_STORE_add_cert(store, certificate) != 1 {
            throw SSLError.fromQueue(operation: "load_verify_locations")
        }
    }

    /// Trusts the system's default CA certificates (Python's `load_default_certs()` /
    /// `set_default_verify_paths()`).
    public func loadDefaultCerts() throws(SSLError) {
        ERR_clear_error()
        guard SSL_CTX_set_default_verify_paths(raw) == 1 else {
            throw SSLError.fromQueue(operation: "set_default_verify_paths")
        }
    }

    /// Sets the ALPN protocols, most preferred first (Python's `set_alpn_protocols`):
    /// a client offers them, a server picks the first of its own the client offers.
    /// Each name must be 1 to 255 bytes long (a programmer error otherwise).
    public func setALPNProtocols(_ protocols: [String]) throws(SSLError) {
        var wire: [UInt8] = []
        for name in protocols {
            let bytes = Array(name.utf8)
            precondition(!bytes.isEmpty && bytes.count <= 255, "ALPN protocols must be 1 to 255 bytes long")
            wire.append(UInt8(bytes.count))
            wire += bytes
        }
        alpnWire?.deallocate()
        alpnWire = nil
        guard !wire.isEmpty else { return }
        let stored = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: wire.count)
        _ = stored.initialize(from: wire)
        alpnWire = stored
        switch side {
        case .client:
            // SSL_CTX_set_alpn_protos returns 0 on success.
            guard SSL_CTX_set_alpn_protos(raw, stored.baseAddress, UInt32(stored.count)) == 0 else {
                throw SSLError.fromQueue(operation: "set_alpn_protocols")
            }
        case .server:
            SSL_CTX_set_alpn_select_cb(raw, { _, out, outLength, offered, offeredLength, argument in
                guard let argument else { return SSL_TLSEXT_ERR_NOACK }
                let context = Unmanaged<SSLContext>.fromOpaque(argument).takeUnretainedValue()
                guard let wire = context.alpnWire else { return SSL_TLSEXT_ERR_NOACK }
                var selected: UnsafeMutablePointer<UInt8>?
                let status = SSL_select_next_proto(&selected, outLength, wire.baseAddress, UInt32(wire.count),
                                                   offered, offeredLength)
                guard status == OPENSSL_NPN_NEGOTIATED, let selected else { return SSL_TLSEXT_ERR_NOACK }
                out?.pointee = UnsafePointer(selected)
                return SSL_TLSEXT_ERR_OK
            }, Unmanaged.passUnretained(self).toOpaque())
        }
    }

    /// Throws the OS error, with `path`, unless `path` names a file this process can read.
    /// OpenSSL would report a missing or forbidden file as a "system library" error with
    /// the errno packed into its code (2147483650 for ENOENT) and a directory as a PEM
    /// parse error; Python reports both as OSError with the errno. Reading one byte is
    /// what fails on a directory (open(2) succeeds there, read(2) gives EISDIR).
    private static func checkReadable(_ path: String) throws(OSError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw OSError(errno: errno, path: path) }
        defer { close(descriptor) }
        var byte: UInt8 = 0
        guard read(descriptor, &byte, 1) >= 0 else { throw OSError(errno: errno, path: path) }
    }

    /// Every certificate in PEM `data`, in order (owned: free each with `X509_free`).
    private static func readCertificates(_ data: [UInt8], operation: String) throws(SSLError) -> [OpaquePointer] {
        let result = data.withUnsafeBytes { bytes -> [OpaquePointer]? in
            guard let bio = BIO_new_mem_buf(bytes.baseAddress, Int32(bytes.count)) else { return nil }
            defer { BIO_free(bio) }
            var certificates: [OpaquePointer] = []
            while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) { certificates.append(certificate) }
            // The loop ends on "no start line" at the end of the data: not an error.
            ERR_clear_error()
            return certificates
        }
        guard let result else { throw SSLError.fromQueue(operation: operation) }
        return result
    }

    /// Creates an `SSL` object for one connection with this context's current settings.
    func makeSSL(serverSide: Bool, serverHostname: String?) throws(SSLError) -> OpaquePointer {
        ERR_clear_error()
        guard let ssl = SSL_new(raw) else { throw SSLError.fromQueue(operation: "SSL_new") }
        var mode: Int32
        switch verifyMode {
        case .none: mode = SSL_VERIFY_NONE
        case .optional: mode = SSL_VERIFY_PEER
        case .required: mode = serverSide ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_PEER
        }
        SSL_set_verify(ssl, mode, nil)
        if serverSide {
            SSL_set_accept_state(ssl)
        } else {
            SSL_set_connect_state(ssl)
            if let serverHostname, !serverHostname.isEmpty {
                // SNI carries names only; an IP literal is checked but not sent.
                let isAddress = (try? SocketAddress(host: serverHostname, port: 0)) != nil
                if !isAddress, asyncio_ssl_set_tlsext_host_name(ssl, serverHostname) != 1 {
                    SSL_free(ssl)
                    throw SSLError.fromQueue(operation: "server_hostname \(serverHostname)")
                }
                if checkHostname {
                    let param = SSL_get0_param(ssl)
                    let status = isAddress
                        ? X509_VERIFY_PARAM_set1_ip_asc(param, serverHostname)
                        : X509_VERIFY_PARAM_set1_host(param, serverHostname, 0)
                    if status != 1 {
                        SSL_free(ssl)
                        throw SSLError.fromQueue(operation: "server_hostname \(serverHostname)")
                    }
                }
            }
        }
        return ssl
    }
}

extension SSLContext: CustomStringConvertible {
    /// A summary (Python's repr names the class only).
    public var description: String {
        "<SSLContext \(side) verifyMode=\(verifyMode) checkHostname=\(checkHostname)>"
    }
}
