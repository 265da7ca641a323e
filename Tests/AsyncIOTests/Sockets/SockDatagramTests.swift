@testable import AsyncIO
import Glibc
import XCTest

/// `sockSendTo`, `sockRecvFrom` and `sockRecvFromInto` over UDP on loopback.
final class SockDatagramTests: XCTestCase {
    // CPython: test_sock_lowlevel.BaseSockTestsMixin.test_recvfrom
    func testSendToAndRecvFrom() throws {
        for host in Loopback.allCases {
            try requireHost(host)
            runLoopTest { loop, _ in
                let (server, echo) = try startUDPEchoServer(loop, host, count: 1)
                let serverAddress = try server.localAddress
                let sock = try Socket(family: host.family, type: datagramType)
                let data = [UInt8](repeating: 1, count: 4096)
                let sent = try await loop.sockSendTo(sock, data, to: serverAddress)
                XCTAssertEqual(sent, 4096)
                let (received, from) = try await withTimeout(.seconds(10)) { try await loop.sockRecvFrom(sock, 4096) }
                XCTAssertEqual(received, data)
                XCTAssertEqual(from, serverAddress)
                try await echo.value
                sock.close()
                server.close()
            }
        }
    }

    // CPython: test_sock_lowlevel.BaseSockTestsMixin.test_recvfrom_into
    func testSendToAndRecvFromInto() throws {
        for host in Loopback.allCases {
            try requireHost(host)
            runLoopTest { loop, _ in
                let (server, echo) = try startUDPEchoServer(loop, host, count: 2)
                let serverAddress = try server.localAddress
                let sock = try Socket(family: host.family, type: datagramType)
                let data = [UInt8](repeating: 1, count: 4096)

                let buffer = RawBuffer(count: 4096)
                try await loop.sockSendTo(sock, data, to: serverAddress)
                let (count, from) = try await withTimeout(.seconds(10)) { try await loop.sockRecvFromInto(sock, buffer.memory) }
                XCTAssertEqual(count, 4096)
                XCTAssertEqual(buffer.bytes(0..<4096), data)
                XCTAssertEqual(from, serverAddress)

                // A larger buffer, limited to its first 4096 bytes.
                let large = RawBuffer(count: 8192)
                try await loop.sockSendTo(sock, data, to: serverAddress)
                let (second, secondFrom) = try await withTimeout(.seconds(10)) {
                    try await loop.sockRecvFromInto(sock, large.slice(0..<4096))
                }
                XCTAssertEqual(second, 4096)
                XCTAssertEqual(large.bytes(0..<4096), data)
                XCTAssertEqual(large.bytes(4096..<8192), [UInt8](repeating: 0, count: 4096))
                XCTAssertEqual(secondFrom, serverAddress)
                try await echo.value
                sock.close()
                server.close()
            }
        }
    }

    // CPython: test_sock_lowlevel.BaseSockTestsMixin.test_recvfrom (the waiting path:
    // the datagram arrives after sockRecvFrom registered its reader)
    func testRecvFromWaitsForTheDatagram() {
        runLoopTest { loop, _ in
            let receiver = try Socket(type: datagramType)
            try receiver.bind(SocketAddress(host: "127.0.0.1", port: 0))
            let sender = try Socket(type: datagramType)
            try sender.bind(SocketAddress(host: "127.0.0.1", port: 0))
            let receiving = loop.createTask { try await loop.sockRecvFrom(receiver, 100) }
            try await loop.sleep(.zero)
            XCTAssertTrue(hasRegistration(loop, receiver.fileno))
            try await loop.sockSendTo(sender, [1, 2, 3], to: receiver.localAddress)
            let (data, from) = try await withTimeout(.seconds(10)) { try await receiving.value }
            XCTAssertEqual(data, [1, 2, 3])
            XCTAssertEqual(from, try sender.localAddress)
            XCTAssertFalse(hasRegistration(loop, receiver.fileno))
            receiver.close()
            sender.close()
        }
    }
}

/// A UDP echo server on the loop (CPython's run_udp_echo_server): echoes `count`
/// datagrams back to their senders.
private func startUDPEchoServer(_ loop: isolated EventLoop, _ host: Loopback, count: Int) throws -> (Socket, Task<Void, any Error>) {
    let server = try Socket(family: host.family, type: datagramType)
    try server.bind(SocketAddress(host: host.rawValue, port: 0))
    let task = loop.createTask {
        for _ in 0..<count {
            let (data, sender) = try await loop.sockRecvFrom(server, 65536)
            try await loop.sockSendTo(server, data, to: XCTUnwrap(sender))
        }
    }
    return (server, task)
}
