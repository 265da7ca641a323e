// expect: ok
// The code of the DocC articles (Sources/AsyncIO/AsyncIO.docc) that is not a snippet, as
// written there, inside functions. (The Getting started programs are Snippets/*.swift,
// built and run by GettingStartedTests.)
import AsyncIO

// AsyncIO.md
func landingPage() throws {
    try EventLoop.run { loop in
        let server = try await loop.startServer(host: "127.0.0.1", port: 8888) { reader, writer in
            for try await line in reader {
                writer.write(line)
                try await writer.drain()
            }
            writer.close()
        }
        try await server.serveForever()
    }
}

// TransportsAndFlowControl.md
final class Upper: StreamingProtocol {
    private var transport: (any Transport)?
    func connectionMade(_ transport: any Transport) { self.transport = transport }
    func dataReceived(_ data: [UInt8]) {
        transport?.write(data.map { $0 >= 97 && $0 <= 122 ? $0 - 32 : $0 })
    }
    func pauseWriting() { transport?.pauseReading() }
    func resumeWriting() { transport?.resumeReading() }
}

func transports(_ loop: isolated EventLoop) async throws {
    let server = try await loop.createServer({ Upper() }, host: "127.0.0.1", port: 0)
    server.close()
}

// TLS.md
final class EchoProtocol: StreamingProtocol {
    private var transport: (any Transport)?
    func connectionMade(_ transport: any Transport) { self.transport = transport }
    func dataReceived(_ data: [UInt8]) { transport?.write(data) }
}

func tls(_ loop: isolated EventLoop) async throws {
    let serverContext = try SSLContext(.server)
    try serverContext.loadCertChain(certFile: "server.pem", keyFile: "server.key")
    let server = try await loop.createServer({ EchoProtocol() }, host: "127.0.0.1", port: 8443,
                                             ssl: serverContext)

    let clientContext = try SSLContext.createDefaultContext()   // trusts the system's CAs
    let (reader, writer) = try await loop.openConnection(host: "example.com", port: 443,
                                                         ssl: clientContext)
    _ = (server, reader, writer)
}

// Subprocesses.md
func subprocesses() throws {
    try EventLoop.run { loop in
        let process = try await loop.createSubprocessExec("/bin/cat", stdin: .pipe, stdout: .pipe)
        let (output, _) = try await process.communicate(input: Array("some data".utf8))
        print(String(decoding: output ?? [], as: UTF8.self), process.returnCode ?? -1)
    }
}
