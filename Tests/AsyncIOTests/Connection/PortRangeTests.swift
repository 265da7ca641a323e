@testable import AsyncIO
import Glibc
import XCTest

/// Asserts that `body` refuses `port` with the one port error (`SocketAddress.checkedPort`).
private nonisolated(nonsending) func assertPortRefused(
    _ port: Int, _ entry: String, file: StaticString = #filePath, line: UInt = #line,
    _ body: nonisolated(nonsending) () async throws -> Void
) async {
    do {
        try await body()
        XCTFail("\(entry): port \(port) was accepted", file: file, line: line)
    } catch let error as InvalidArgumentError {
        XCTAssertEqual(error.message, "port must be 0-65535, got \(port)", entry, file: file, line: line)
    } catch {
        XCTFail("\(entry): expected the port error, got \(type(of: error)) \(error)", file: file, line: line)
    }
}

/// Ports just and far outside 0–65535 (70000 would be cut to 4464, 65536 to 0).
private let badPorts = [70000, 65536, -1]

/// Ports outside 0–65535 are refused wherever a port enters, never cut to 16 bits.
/// CPython: socketmodule.c getsockaddrarg ("port must be 0-65535.", OverflowError),
/// which asyncio's create_server, create_connection and create_datagram_endpoint meet
/// when they bind or connect; here the check comes first, in getaddrinfo too.
final class PortRangeTests: XCTestCase {
    func testSocketAddressRefusesThePortNotTheHost() {
        runLoopTest { _, _ in
            for port in badPorts {
                await assertPortRefused(port, "host: IPv4") { _ = try SocketAddress(host: "127.0.0.1", port: port) }
                await assertPortRefused(port, "host: IPv6") { _ = try SocketAddress(host: "::1", port: port) }
                await assertPortRefused(port, "ipv4:") { _ = try SocketAddress(ipv4: "127.0.0.1", port: port) }
                await assertPortRefused(port, "ipv6:") { _ = try SocketAddress(ipv6: "::1", port: port) }
                let address = try SocketAddress(host: "127.0.0.1", port: 80)
                await assertPortRefused(port, "withPort") { _ = try address.withPort(port) }
            }
            XCTAssertEqual(try SocketAddress(host: "127.0.0.1", port: 65535).port, 65535)
            XCTAssertEqual(try SocketAddress(host: "::1", port: 0).withPort(65535).port, 65535)
            // A bad host with a good port still says what is wrong with the host.
            XCTAssertThrowsError(try SocketAddress(host: "not-an-ip", port: 80)) {
                XCTAssertEqual(($0 as? AddressParseError)?.reason, "not an IP address literal")
            }
        }
    }

    func testGetAddrInfoRefusesBadPortsAndNumericServices() {
        runLoopTest { loop, _ in
            for port in badPorts {
                await assertPortRefused(port, "literal") { _ = try await loop.getAddrInfo(host: "127.0.0.1", port: port) }
                await assertPortRefused(port, "name") { _ = try await loop.getAddrInfo(host: "localhost", port: port) }
                await assertPortRefused(port, "no host") {
                    _ = try await loop.getAddrInfo(host: nil, port: port, flags: AI_PASSIVE)
                }
            }
            await assertPortRefused(70000, "service") { _ = try await loop.getAddrInfo(host: "127.0.0.1", service: "70000") }
            let answers = try await loop.getAddrInfo(host: "127.0.0.1", service: "65535", type: Int32(SOCK_STREAM.rawValue))
            XCTAssertEqual(answers.map(\.address.port), [65535])
        }
    }

    func testServersRefuseBadPorts() {
        runLoopTest { loop, _ in
            for port in badPorts {
                await assertPortRefused(port, "createServer") {
                    let server = try await loop.createServer({ TestEchoProtocol() }, host: "127.0.0.1", port: port)
                    server.close()  // only reached without the check
                }
                await assertPortRefused(port, "createServer(hosts:)") {
                    let server = try await loop.createServer({ TestEchoProtocol() }, hosts: ["127.0.0.1"], port: port)
                    server.close()
                }
                await assertPortRefused(port, "startServer") {
                    let server = try await loop.startServer(host: "127.0.0.1", port: port) { _, writer in writer.close() }
                    server.close()
                }
            }
        }
    }

    func testConnectionsRefuseBadPorts() {
        runLoopTest { loop, _ in
            let server = try await loop.createServer({ TestEchoProtocol() }, host: "127.0.0.1", port: 0)
            let port = try server.sockets[0].localAddress.port!
            for bad in [65537, 65536, -1] {
                await assertPortRefused(bad, "createConnection") {
                    let (transport, _) = try await loop.createConnection({ RecordingProtocol() }, host: "127.0.0.1", port: bad)
                    transport.close()
                }
                await assertPortRefused(bad, "createConnection(localAddress:)") {
                    let (transport, _) = try await loop.createConnection({ RecordingProtocol() }, host: "127.0.0.1",
                                                                         port: port, localAddress: ("127.0.0.1", bad))
                    transport.close()
                }
                await assertPortRefused(bad, "openConnection") {
                    let (_, writer) = try await loop.openConnection(host: "127.0.0.1", port: bad)
                    writer.close()
                }
                await assertPortRefused(bad, "sockConnect") {
                    let sock = try Socket()
                    defer { sock.close() }
                    try await loop.sockConnect(sock, host: "127.0.0.1", port: bad)
                }
            }
            server.close()
            try await server.waitClosed()
        }
    }

    func testDatagramEndpointsRefuseBadPorts() {
        runLoopTest { loop, _ in
            for port in badPorts {
                await assertPortRefused(port, "localAddress") {
                    let (transport, _) = try await loop.createDatagramEndpoint(
                        { RecordingDatagramProtocol() }, localAddress: ("127.0.0.1", port))
                    transport.close()
                }
                await assertPortRefused(port, "remoteAddress") {
                    let (transport, _) = try await loop.createDatagramEndpoint(
                        { RecordingDatagramProtocol() }, remoteAddress: ("127.0.0.1", port))
                    transport.close()
                }
            }
        }
    }
}
