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

// QueuesLocksAndEvents.md
func queues() throws {
    try EventLoop.run { loop in
        let jobs = Queue<Int>(maxsize: 10, loop: loop)
        let workers = (1...3).map { _ in
            loop.createTask {
                while let job = try? await jobs.get() {   // ends once the queue is shut down
                    print("job", job)
                    try jobs.taskDone()
                }
            }
        }
        for job in 1...20 { try await jobs.put(job) }     // waits while 10 are queued
        try await jobs.join()                             // every job taken and done
        jobs.shutdown()                                   // the idle workers' get() throws
        for worker in workers { _ = await worker.result }
    }
}

func locksAndEvents() throws {
    try EventLoop.run { loop in
        let lock = Lock(loop: loop)
        let stocked = Condition(lock: lock)
        var shelf: [String] = []
        let buyer = loop.createTask {
            try await stocked.withLock {                     // async with stocked:
                try await stocked.waitFor { !shelf.isEmpty } // the lock is free while it waits
                print("bought", shelf.removeFirst())
            }
        }
        try await lock.withLock {                            // the condition's lock
            shelf.append("bread")
            try stocked.notify()
        }
        try await buyer.value

        let barrier = try Barrier(parties: 3, loop: loop)
        let runners = (1...3).map { n in
            loop.createTask {
                try await loop.sleep(.milliseconds(n))
                let index = try await barrier.wait()          // async with barrier as index:
                print("runner", n, "passed as", index)        // all three go on together
            }
        }
        for runner in runners { try await runner.value }
    }
}

// TaskHelpers.md
func taskHelpers() throws {
    try EventLoop.run { loop in
        let squares = (1...3).map { n in
            loop.createTask {
                try await loop.sleep(.milliseconds(10 * n))
                return n * n
            }
        }
        print(try await loop.gather(squares))               // [1, 4, 9]

        let slow = loop.createTask {
            try await loop.sleep(.seconds(10))
            return 0
        }
        do {
            _ = try await loop.waitFor(slow, timeout: .milliseconds(50))
        } catch is TimeoutError {
            print("slow was cancelled")                     // and waited for
        }

        try await loop.taskGroup { group in
            for n in 1...3 {
                try group.createTask { try await loop.sleep(.milliseconds(n)) }
            }
        }   // every task has ended; the first to fail would have cancelled the others
    }
}

// ALoopPerCore.md
func groupServer() throws {
    let group = try EventLoopGroup()                      // one loop per usable CPU
    try group.run { loop in                               // main on loop 0; the others are workers
        let server = try await group.createServer({ EchoProtocol() }, host: "0.0.0.0", port: 8000)
        try await server.serveForever()                   // until SIGINT or SIGTERM
    }
}

func serverOnEveryLoop() throws {
    try EventLoopGroup(loopCount: 4).run { loop, index in // main on every loop, with its index
        let server = try await loop.createServer({ EchoProtocol() }, host: "0.0.0.0", port: 8000,
                                                 reusePort: true)
        try await server.serveForever()
    }
}

func talkingBetweenLoops() throws {
    let pair = try EventLoopGroup(loopCount: 2)
    try pair.run { loop in
        let seen = try await pair.loops[1].runCoroutineThreadsafe { other in
            try await other.sleep(.milliseconds(1))        // loop 1's code
            return other.time()                            // a Double crosses back
        }
        print(seen)
    }
}
