import Glibc

/// asyncio's `asyncio.subprocess` module, as a namespace: `Subprocess.Process` reads like
/// `asyncio.subprocess.Process` and does not collide with Foundation's `Process` in files
/// that import both.
public enum Subprocess {}

extension Subprocess {
    /// A child process with stream-level pipes: asyncio's `asyncio.subprocess.Process`, made
    /// by `createSubprocessExec`/`createSubprocessShell`. Loop-bound.
    public final class Process: CustomStringConvertible {
        /// The child's stdin, if it was `.pipe` (asyncio's `stdin`).
        public let stdin: StreamWriter?
        /// The child's stdout, if it was `.pipe` (asyncio's `stdout`).
        public let stdout: StreamReader?
        /// The child's stderr, if it was `.pipe` (asyncio's `stderr`).
        public let stderr: StreamReader?
        /// The child's process id (asyncio's `pid`).
        public let pid: Int32
        /// The loop the process belongs to.
        public let loop: EventLoop
        let transport: ProcessTransport
        private let streamProtocol: SubprocessStreamProtocol

        init(transport: ProcessTransport, protocol: SubprocessStreamProtocol, loop: EventLoop) {
            self.transport = transport
            streamProtocol = `protocol`
            stdin = `protocol`.stdin
            stdout = `protocol`.stdout
            stderr = `protocol`.stderr
            pid = transport.pid
            self.loop = loop
        }

        /// The exit status once the child exited, else nil; -N for death by signal N
        /// (asyncio's `returncode`).
        public var returnCode: Int32? { transport.returnCode }

        /// Waits for the child to exit and returns its return code (asyncio's `wait()`).
        /// With `stdout`/`stderr` pipes, read them meanwhile: a child blocked on a full pipe
        /// never exits (asyncio's documented deadlock).
        nonisolated(nonsending) public func wait() async throws -> Int32 {
            try await transport.wait()
        }

        /// Sends `signal` to the child; `OSError` ESRCH (Python's `ProcessLookupError`) once
        /// it exited (asyncio's `send_signal`).
        public func sendSignal(_ signal: Int32) throws { try transport.sendSignal(signal) }

        /// `sendSignal(_:)` by the signal's Swift name: `process.sendSignal(.interrupt)`.
        public func sendSignal(_ signal: Signal) throws { try transport.sendSignal(signal.rawValue) }

        /// Sends SIGTERM (asyncio's `terminate`).
        public func terminate() throws { try transport.terminate() }

        /// Sends SIGKILL (asyncio's `kill`).
        public func kill() throws { try transport.kill() }

        /// Writes `input` to stdin and closes it, reads stdout and stderr to their end, waits
        /// for the child, and returns what was read (nil for a stream that is not a pipe):
        /// asyncio's `communicate(input)`. A child that exits without reading its input is
        /// not an error (a broken pipe on stdin is ignored, as asyncio does).
        nonisolated(nonsending) public func communicate(input: [UInt8]? = nil) async throws -> (stdout: [UInt8]?, stderr: [UInt8]?) {
            loop.assertOnLoopThread()
            // The pipes' streams belong to this loop; the tasks run on it (the compiler
            // cannot see that a task body's loop parameter is this loop).
            let feeder: Task<Void, any Error>? = stdin.map { stdin in
                nonisolated(unsafe) let stdin = stdin
                return loop.spawnTask { loop in try await Self.feed(stdin, input, loop: loop) }
            }
            let readers: [Task<[UInt8], any Error>?] = [stdout, stderr].enumerated().map { index, reader in
                reader.map { reader in
                    nonisolated(unsafe) let reader = reader
                    nonisolated(unsafe) let pipe = transport.getPipeTransport(Int32(index + 1))
                    return loop.spawnTask { _ in
                        let output = try await reader.read()
                        pipe?.close()
                        return output
                    }
                }
            }
            return try await withTaskCancellationHandler {
                try await feeder?.value
                let output = try await readers[0]?.value
                let errors = try await readers[1]?.value
                _ = try await wait()
                return (output, errors)
            } onCancel: {
                feeder?.cancel()
                for reader in readers { reader?.cancel() }
            }
        }

        /// asyncio's `_feed_stdin`.
        private nonisolated(nonsending) static func feed(_ stdin: StreamWriter, _ input: [UInt8]?, loop: EventLoop) async throws {
            if let input, !input.isEmpty {
                stdin.write(input)
                do {
                    try await stdin.drain()
                } catch let error as OSError where error.errno == EPIPE || error.errno == ECONNRESET {
                    // The child exited or closed stdin before reading all of it.
                    if loop.debug { loop.logger.debug("communicate: stdin got \(error)") }
                }
            }
            stdin.close()
        }

        /// asyncio's `repr`: `<Process 1234>`.
        public var description: String { "<Process \(pid)>" }
    }
}

extension EventLoop {
    /// Starts `program` with `arguments` and returns a `Process` with stream-level pipes:
    /// asyncio's `asyncio.create_subprocess_exec(program, *args, stdin, stdout, stderr,
    /// limit, env, cwd)`. As in asyncio, each stream is inherited unless asked for.
    /// Throws `StreamError.invalidLimit` for a limit ≤ 0 (before starting anything).
    public func createSubprocessExec(
        _ program: String, _ arguments: [String] = [],
        stdin: SubprocessStdio = .inherit, stdout: SubprocessStdio = .inherit, stderr: SubprocessStdio = .inherit,
        limit: Int = StreamReader.defaultLimit,
        environment: [String: String]? = nil, currentDirectory: String? = nil
    ) async throws -> Subprocess.Process {
        try await spawnStreamProcess(program, [program] + arguments, stdin: stdin, stdout: stdout, stderr: stderr,
                                     limit: limit, environment: environment, currentDirectory: currentDirectory)
    }

    /// Runs `command` with `/bin/sh -c` and returns a `Process`: asyncio's
    /// `asyncio.create_subprocess_shell`.
    public func createSubprocessShell(
        _ command: String,
        stdin: SubprocessStdio = .inherit, stdout: SubprocessStdio = .inherit, stderr: SubprocessStdio = .inherit,
        limit: Int = StreamReader.defaultLimit,
        environment: [String: String]? = nil, currentDirectory: String? = nil
    ) async throws -> Subprocess.Process {
        try await spawnStreamProcess("/bin/sh", ["/bin/sh", "-c", command], stdin: stdin, stdout: stdout, stderr: stderr,
                                     limit: limit, environment: environment, currentDirectory: currentDirectory)
    }

    /// The body of asyncio's `create_subprocess_exec` and `create_subprocess_shell`: the
    /// limit checked before anything starts, the child spawned with a
    /// `SubprocessStreamProtocol`, and both wrapped in a `Process`.
    private func spawnStreamProcess(
        _ program: String, _ argv: [String], stdin: SubprocessStdio, stdout: SubprocessStdio, stderr: SubprocessStdio,
        limit: Int, environment: [String: String]?, currentDirectory: String?
    ) async throws -> Subprocess.Process {
        guard limit > 0 else { throw StreamError.invalidLimit }
        let (transport, proto) = try await spawnSubprocess(
            { SubprocessStreamProtocol(limit: limit, loop: self) }, program, argv,
            stdin: stdin, stdout: stdout, stderr: stderr, environment: environment, currentDirectory: currentDirectory)
        return Subprocess.Process(transport: transport, protocol: proto, loop: self)
    }
}
