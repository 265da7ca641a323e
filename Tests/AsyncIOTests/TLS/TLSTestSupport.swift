@testable import AsyncIO
import XCTest

/// The test-only certificates in `Fixtures/` (see its README).
enum TLSFixtures {
    static let directory: String = {
        let file = "\(#filePath)"
        return String(file[..<file.lastIndex(of: "/")!]) + "/Fixtures"
    }()

    static func path(_ name: String) -> String { "\(directory)/\(name)" }

    static func bytes(_ name: String) throws -> [UInt8] {
        guard let file = fopen(path(name), "rb") else { throw OSError(errno: errno, operation: "open \(name)") }
        defer { fclose(file) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count == 0 { break }
            result += chunk[..<count]
        }
        return result
    }

    /// A server context with the `localhost` certificate, loaded from the PEM files.
    static func serverContext() throws -> SSLContext {
        let context = try SSLContext(.server)
        try context.loadCertChain(certFile: path("server.pem"), keyFile: path("server.key"))
        return context
    }

    /// A client context that trusts the test CA (hostname checks on, as Python's default).
    static func clientContext() throws -> SSLContext {
        let context = try SSLContext(.client)
        try context.loadVerifyLocations(caFile: path("ca.pem"))
        return context
    }
}

/// A TLS server on 127.0.0.1 port 0 whose connections are `RecordingProtocol`s.
final class TLSRecordingServer: @unchecked Sendable {
    let server: Server
    let protocols: Box<[RecordingProtocol]>
    var port: Int { (try? server.sockets[0].localAddress.port) ?? nil ?? 0 }

    init(loop: isolated EventLoop, context: SSLContext, handshakeTimeout: Duration? = nil,
         configure: @escaping (RecordingProtocol) -> Void = { _ in }) async throws {
        let protocols = Box<[RecordingProtocol]>([])
        self.protocols = protocols
        server = try await loop.createServer({
            let p = RecordingProtocol()
            configure(p)
            protocols.value.append(p)
            return p
        }, host: "127.0.0.1", port: 0, ssl: context, sslHandshakeTimeout: handshakeTimeout)
    }

    func connection(_ loop: isolated EventLoop, _ index: Int = 0) async throws -> RecordingProtocol {
        try await waitUntil(loop) { self.protocols.value.count > index && self.protocols.value[index].events.contains(.made) }
        return protocols.value[index]
    }

    nonisolated(nonsending) func close() async throws {
        server.close()
        server.abortClients()
        try await withTimeout(.seconds(10)) { try await self.server.waitClosed() }
    }
}

/// A buffered protocol that collects what it receives through its own small buffer.
final class CollectingBufferedProtocol: BufferedProtocol, @unchecked Sendable {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
    var received: [UInt8] = []
    var transport: (any Transport)?
    var eofCount = 0
    var lostCount = 0
    deinit { buffer.deallocate() }
    func connectionMade(_ transport: any Transport) { self.transport = transport }
    func getBuffer(_ sizeHint: Int) -> UnsafeMutableRawBufferPointer { buffer }
    func bufferUpdated(_ count: Int) { received += buffer[..<count] }
    func eofReceived() -> Bool {
        eofCount += 1
        return false
    }
    func connectionLost(_ error: (any Error)?) {
        lostCount += 1
        transport = nil
    }
}
