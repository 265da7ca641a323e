#ifndef ASYNCIO_COPENSSL_SHIM_H
#define ASYNCIO_COPENSSL_SHIM_H

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* OpenSSL spells several calls as macros over *_ctrl functions, which Swift cannot
 * import; these static inline functions are their callable forms. */

static inline long asyncio_ssl_set_tlsext_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

static inline long asyncio_ssl_ctx_set_min_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}

static inline long asyncio_ssl_ctx_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}

static inline size_t asyncio_bio_pending(BIO *bio) { return BIO_ctrl_pending(bio); }

/* A read from an empty memory BIO asks to be retried instead of reporting EOF. */
static inline void asyncio_bio_set_mem_eof_return(BIO *bio, int value) {
    BIO_set_mem_eof_return(bio, value);
}

static inline long asyncio_ssl_ctx_add1_chain_cert(SSL_CTX *ctx, X509 *certificate) {
    return SSL_CTX_add1_chain_cert(ctx, certificate);
}

static inline unsigned long asyncio_xn_flag_rfc2253(void) { return XN_FLAG_RFC2253; }

static inline long asyncio_ssl_mode_partial_writes(void) {
    return SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER;
}

#endif
