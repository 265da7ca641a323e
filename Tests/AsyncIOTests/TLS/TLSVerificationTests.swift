@testable import AsyncIO
import Glibc
import XCTest

/// Certificate and host name verification, and asyncio's argument checks for TLS.
final class TLSVerificationTests: XCTestCase {
    // CPython: test_ssl.TestSSL.test_create_connection_ssl_failed_certificate
    func testWrongServerHostnameFailsWithCertificateVerificationError() {
        runLoopTest { loop, _ in
            let server = try await TLSRecordingServer(loop: loop, context: TLSFixtures.serverContext())
            do {
                try await withTimeout(.seconds(10)) {
                    _ = try await loop.createConnection({ RecordingProtocol() }, host: "127.0.0.1", port: server.port,
                                                    ssl: TLSFixtures.clientContext(), serverHostname: "wrong.example")
                }
                XCTFail("the handshake succeeded with a wrong host name")
            } catch let error as SSLCertVerificationError {
                XCTAssertEqual(error.verifyCode, Int(62))  // X509_V_ERR_HOSTNAME_MISMATCH
                XCTAssertTrue("\(error)".contains("Hostname mismatch, certificate is not valid for 'wrong.example'"),
                              "\(error)")
            }
            // The server side never made a connection for its protocol.
            XCTAssertTrue(server.protocols.value.allSatisfy { $0.events.isEmpty })
            try await server.close()
        }
    }

    // CPython: test_ssl.TestSSL.test_create_connection_ssl_failed_certificate (untrusted issuer)
    func testUntrustedCertificateFailsVerification() {
        runLoopTest { loop, _ in
            let server = try await TLSRecordingServer(loop: loop, context: TLSFixtures.serverContext())
            do {
                _ = try await loop.createConnection({ RecordingProtocol() }, host: "127.0.0.1", port: server.port,
                                                    ssl: SSLContext(.client), serverHostname: "localhost")
                XCTFail("an untrusted certificate was accepted")
            } catch let error as SSLCertVerificationError {
                XCTAssertEqual(error.verifyCode, 20)  // X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
            }
            try await server.close()
        }
    }

    // CPython: test_ssl.TestSSL.test_create_connection_ssl_1 with a CERT_NONE context
    func testVerifyModeNoneAcceptsAnyCertificateAndName() {
        runLoopTest { loop, _ in
            let server = try await TLSRecordingServer(loop: loop, context: TLSFixtures.serverContext())
            let context = try SSLContext(.client)
            context.checkHostname = false
            context.verifyMode = .none
            let (transport, client) = try await loop.createConnection(
                { RecordingProtocol() }, host: "127.0.0.1", port: server.port, ssl: context,
                serverHostname: "wrong.example")
            XCTAssertEqual(client.events, [.made])
            XCTAssertEqual((transport as? SSLTransport)?.serverHostname, "wrong.example")
            transport.write(Array("hi".utf8))
            let serverSide = try await server.connection(loop)
            try await waitUntil(loop) { serverSide.received.count == 2 }
            transport.close()
            try await waitUntil(loop) { client.isLost && serverSide.isLost }
            try await server.close()
        }
    }

    // CPython: test_ssl.TestSSL.test_create_connection_ssl_1 with the IP address as server_hostname
    func testHostDefaultsToServerHostnameAndIPAddressesVerify() {
        runLoopTest { loop, _ in
            let server = try await TLSRecordingServer(loop: loop, context: TLSFixtures.serverContext())
            // No serverHostname: the host "127.0.0.1" is checked against the certificate's IP SAN.
            let (transport, client) = try await loop.createConnection(
                { RecordingProtocol() }, host: "127.0.0.1", port: server.port, ssl: TLSFixtures.clientContext())
            XCTAssertEqual((transport as? SSLTransport)?.serverHostname, "127.0.0.1")
            transport.abort()
            try await waitUntil(loop) { client.isLost }
            try await server.close()
        }
    }

    // CPython: test_base_events.BaseEventLoopWithSelectorTests.test_create_connection_server_hostname_errors
    // and test_create_connection_ssl_timeout_for_plain_socket / test_create_server_ssl_timeout_for_plain_socket
    func testTLSArgumentErrorsMatchAsyncio() {
        runLoopTest { loop, _ in
            let context = try TLSFixtures.clientContext()
            nonisolated(nonsending) func message(_ body: nonisolated(nonsending) () async throws -> Void) async -> String? {
                do {
                    try await body()
                    return nil
                } catch let error as InvalidArgumentError {
                    return error.message
                } catch {
                    return "\(error)"
                }
            }
            let hostnameWithoutSSL = await message {
                _ = try await loop.createConnection({ RecordingProtocol() }, host: "127.0.0.1", port: 1,
                                                    serverHostname: "localhost")
            }
            XCTAssertEqual(hostnameWithoutSSL, "server_hostname is only meaningful with ssl")
            let socket = try Socket(family: AF_INET)
            defer { socket.close() }
            let sockWithoutName = await message {
                _ = try await loop.createConnection({ RecordingProtocol() }, ssl: context, sock: socket)
            }
            XCTAssertEqual(sockWithoutName, "You must set server_hostname when using ssl without a host")
            let timeoutWithoutSSL = await message {
                _ = try await loop.createConnection({ RecordingProtocol() }, host: "127.0.0.1", port: 1,
                                                    sslHandshakeTimeout: .seconds(1))
            }
            XCTAssertEqual(timeoutWithoutSSL, "ssl_handshake_timeout is only meaningful with ssl")
            let shutdownWithoutSSL = await message {
                _ = try await loop.createServer({ RecordingProtocol() }, host: "127.0.0.1", port: 0,
                                                sslShutdownTimeout: .seconds(1))
            }
            XCTAssertEqual(shutdownWithoutSSL, "ssl_shutdown_timeout is only meaningful with ssl")
        }
    }

    // CPython: test_ssl.py's SSLContext checks (load_cert_chain errors, check_hostname forcing CERT_REQUIRED)
    func testContextDefaultsAndLoadErrors() throws {
        let client = try SSLContext(.client)
        XCTAssertTrue(client.checkHostname)
        XCTAssertEqual(client.verifyMode, .required)
        let server = try SSLContext(.server)
        XCTAssertFalse(server.checkHostname)
        XCTAssertEqual(server.verifyMode, .none)
        server.checkHostname = true
        XCTAssertEqual(server.verifyMode, .required)

        // The CA certificate with the server's key: OpenSSL refuses the pair.
        XCTAssertThrowsError(try SSLContext(.server).loadCertChain(certFile: TLSFixtures.path("ca.pem"),
                                                                    keyFile: TLSFixtures.path("server.key"))) { error in
            XCTAssertTrue(error is SSLError, "\(error)")
        }
        XCTAssertThrowsError(try client.loadVerifyLocations(caData: Array("not a certificate".utf8))) { error in
            XCTAssertTrue(error is SSLError, "\(error)")
        }
        XCTAssertNoThrow(try SSLContext.createDefaultContext())
    }
}
