import COpenSSL

/// The peer's certificate as text: the part of Python's `getpeercert()` asyncio users
/// read most (`get_extra_info("peercert")`).
public struct SSLPeerCertificate: Sendable, Equatable {
    /// The subject in RFC 2253 form, e.g. `CN=localhost`.
    public var subject: String
    /// The issuer in RFC 2253 form.
    public var issuer: String
}

/// What a finished handshake agreed on; read through `SSLTransport`.
struct SSLSessionInfo {
    var peerCertificate: SSLPeerCertificate?
    var cipher: (name: String, version: String, bits: Int)?
    var version: String?
    var alpnProtocol: String?

    init(ssl: OpaquePointer) {
        if let certificate = SSL_get1_peer_certificate(ssl) {
            defer { X509_free(certificate) }
            peerCertificate = SSLPeerCertificate(
                subject: Self.text(X509_get_subject_name(certificate)),
                issuer: Self.text(X509_get_issuer_name(certificate)))
        }
        if let current = SSL_get_current_cipher(ssl) {
            let name = SSL_CIPHER_get_name(current).map { String(cString: $0) } ?? ""
            let version = SSL_CIPHER_get_version(current).map { String(cString: $0) } ?? ""
            cipher = (name, version, Int(SSL_CIPHER_get_bits(current, nil)))
        }
        version = SSL_get_version(ssl).map { String(cString: $0) }
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        if let data, length > 0 {
            alpnProtocol = String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
        }
    }

    private static func text(_ name: OpaquePointer?) -> String {
        guard let name, let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        guard X509_NAME_print_ex(bio, name, 0, asyncio_xn_flag_rfc2253()) >= 0 else { return "" }
        let length = Int(asyncio_bio_pending(bio))
        var bytes = [UInt8](repeating: 0, count: length)
        let read = bytes.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32(length)) }
        return String(decoding: bytes.prefix(Int(max(read, 0))), as: UTF8.self)
    }
}
