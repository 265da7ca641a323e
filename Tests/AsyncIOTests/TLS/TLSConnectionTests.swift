@testable import AsyncIO
import Glibc
import XCTest

/// TLS over createServer(ssl:)/createConnection(ssl:) and the streams API, on 127.0.0.1.
final class TLSConnectionTests: XCTestCase {
    // CPython: test_ssl.TestSSL.test_create_connection_ssl_1 (and test_create_server_ssl_1)
    func testStreamingEchoOfOneMiBIsIntact() {
        runLoopTest { loop, _ in
            let serverContext = try SSLContext(.server)
            // The PEM-bytes loader, so both loaders are exercised.
            try serverContext.loadCertChain(certPEM: TLSFixtures.bytes("server.pem"),
                                            keyPEM: TLSFixtures.bytes("server.key"))
            let server = try await loop.createServer({ TestEchoProtocol() }, host: "127.0.0.1", port: 0,
                                                     ssl: serverContext)
            let port = try XCTUnwrap(server.sockets[0].localAddress.port)
            let clientContext = try SSLContext(.client)
            try clientContext.loadVerifyLocations(caData: TLSFixtures.bytes("ca.pem"))
            let (transport, client) = try await loop.createConnection(
                { RecordingProtocol() }, host: "127.0.0.1", port: port, ssl: clientContext,
                serverHostname: "localhost")
            XCTAssertEqual(client.events, [.made])
            let tls = try XCTUnwrap(transport as? SSLTransport)
            XCTAssertEqual(tls.peerCertificate?.subject, "CN=localhost")
            XCTAssertEqual(tls.peerCertificate?.issuer, "CN=AsyncIO Test CA")
            XCTAssertNotNil(tls.cipher)
            XCTAssertEqual(tls.tlsVersion, "TLSv1.3")
            XCTAssertTrue(transport.getExtraInfo("sslcontext") as? SSLContext === clientContext)
            XCTAssertEqual((transport.getExtraInfo("peercert") as? SSLPeerCertificate)?.subject, "CN=localhost")
            XCTAssertEqual(transport.peerName?.port, port)
            XCTAssertFalse(transport.canWriteEOF)

            let data = pattern(1024 * 1024)
            transport.write(data)
            try await waitUntil(loop) { client.received.count >= data.count }
            XCTAssertEqual(client.received.count, data.count)
            XCTAssertTrue(client.received == data, "the echoed MiB differs")

            transport.close()
            XCTAssertTrue(transport.isClosing)
            try await waitUntil(loop) { client.isLost }
            XCTAssertEqual(client.lostCount, 1)
            XCTAssertNil(client.lostError)
            server.close()
            try await withTimeout(.seconds(10)) { try await server.waitClosed() }
        }
    }

    // CPython: test_sslproto.BaseStartTLS.test_buf_feed_data (a BufferedProtocol app over TLS)
    func testBufferedProtocolReceivesDecryptedBytesInItsOwnBuffer() {
        runLoopTest { loop, _ in
            let server = try await loop.createServer({ TestBufferedEchoProtocol() }, host: "127.0.0.1", port: 0,
                                                     ssl: TLSFixtures.serverContext())
            let port = try XCTUnwrap(server.sockets[0].localAddress.port)
            let (transport, client) = try await loop.createConnection(
                { CollectingBufferedProtocol() }, host: "127.0.0.1", port: port,
                ssl: TLSFixtures.clientContext(), serverHostname: "localhost")
            let data = pattern(300 * 1024)  // many times the 4 KiB app buffer
            transport.write(data)
            try await waitUntil(loop) { client.received.count >= data.count }
            XCTAssertTrue(client.received == data)
            transport.close()
            try await waitUntil(loop) { client.lostCount == 1 }
            server.close()
            try await withTimeout(.seconds(10)) { try await server.waitClosed() }
        }
    }

    // CPython: test_ssl.TestSSL.test_start_server_ssl / test_open_connection_ssl (streams over TLS)
    func testStreamsEchoLinesOverTLS() {
        runLoopTest { loop, _ in
            let server = try await loop.startServer(host: "127.0.0.1", port: 0, ssl: TLSFixtures.serverContext()) {
                reader, writer in
                for try await line in reader {
                    writer.write(line)
                    try await writer.drain()
                }
                writer.close()
            }
            let port = try XCTUnwrap(server.sockets[0].localAddress.port)
            let (reader, writer) = try await loop.openConnection(host: "127.0.0.1", port: port,
                                                                 ssl: TLSFixtures.clientContext(),
                                                                 serverHostname: "localhost")
            XCTAssertTrue(writer.transport is SSLTransport)
            for index in 0..<20 {
                let line = Array("line \(index) over TLS\n".utf8)
                writer.write(line)
                try await writer.drain()
                let echoed = try await withTimeout(.seconds(10)) { try await reader.readLine() }
                XCTAssertEqual(echoed, line)
            }
            writer.close()
            try await withTimeout(.seconds(10)) { try await writer.waitClosed() }
            server.close()
            try await withTimeout(.seconds(10)) { try await server.waitClosed() }
        }
    }

    // CPython: test_ssl.TestSSL.test_ssl_connect_accepted_socket analogue for ALPN:
    // test_ssl.py's ALPN checks (selected_alpn_protocol on both ends)
    func testALPNPicksTheServersFirstProtocolTheClientOffers() {
        runLoopTest { loop, _ in
            let serverContext = try TLSFixtures.serverContext()
            try serverContext.setALPNProtocols(["http/1.1", "h2"])
            let server = try await TLSRecordingServer(loop: loop, context: serverContext)
            let clientContext = try TLSFixtures.clientContext()
            try clientContext.setALPNProtocols(["h2", "http/1.1"])
            let (transport, _) = try await loop.createConnection(
                { RecordingProtocol() }, host: "127.0.0.1", port: server.port, ssl: clientContext,
                serverHostname: "localhost")
            let serverSide = try await server.connection(loop)
            XCTAssertEqual((transport as? SSLTransport)?.selectedALPNProtocol, "http/1.1")
            let serverTransport = try XCTUnwrap(serverSide.transport as? SSLTransport)
            XCTAssertEqual(serverTransport.selectedALPNProtocol, "http/1.1")
            XCTAssertTrue(serverTransport.serverSide)
            XCTAssertNil(serverTransport.peerCertificate)  // no client certificate was asked for
            transport.abort()
            try await server.close()
        }
    }
}
