@testable import AsyncIO
import Glibc
import XCTest

/// A datagram protocol that records what its transport tells it, and can echo.
final class RecordingDatagramProtocol: DatagramProtocol, @unchecked Sendable {
    enum Event: Equatable {
        case made, error, lost, pause, resume
    }

    var events: [Event] = []
    var transport: (any DatagramTransport)?
    var datagrams: [(data: [UInt8], from: SocketAddress?)] = []
    var errors: [any Error] = []
    var lostError: (any Error)?
    /// Sends every datagram back to where it came from.
    var echoes = false
    /// Runs inside `pauseWriting` (e.g. to check the transport's state at that moment).
    var onPause: (() -> Void)?

    init(echoes: Bool = false) { self.echoes = echoes }

    func connectionMade(_ transport: any DatagramTransport) {
        events.append(.made)
        self.transport = transport
    }

    func datagramReceived(_ data: [UInt8], from address: SocketAddress?) {
        datagrams.append((data, address))
        if echoes { try? transport?.sendTo(data, address: address) }
    }

    func errorReceived(_ error: any Error) {
        events.append(.error)
        errors.append(error)
    }

    func connectionLost(_ error: (any Error)?) {
        events.append(.lost)
        lostError = error
    }

    func pauseWriting() {
        events.append(.pause)
        onPause?()
    }

    func resumeWriting() { events.append(.resume) }

    func count(_ event: Event) -> Int { events.filter { $0 == event }.count }
    var isLost: Bool { events.contains(.lost) }
}

/// Closes `transport` and waits until `recorder` heard `connectionLost`.
func closeAndWait(_ loop: isolated EventLoop, _ transport: any DatagramTransport, _ recorder: RecordingDatagramProtocol) async throws {
    transport.close()
    try await waitUntil(loop) { recorder.isLost }
}

/// A UDP port on `host` that nothing listens on (bound, then closed).
func unusedUDPPort(_ host: Loopback) throws -> Int {
    let socket = try Socket(family: host.family, type: datagramType)
    defer { socket.close() }
    try socket.bind(SocketAddress(host: host.rawValue, port: 0))
    return try socket.localAddress.port!
}
