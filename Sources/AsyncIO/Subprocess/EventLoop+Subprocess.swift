import Glibc

extension EventLoop {
    /// Starts `program` (searched in PATH) with `arguments` and connects its standard
    /// streams to a `SubprocessTransport` and a new protocol: asyncio's
    /// `loop.subprocess_exec(protocol_factory, program, *args, stdin, stdout, stderr, env, cwd)`.
    ///
    /// Returns once the protocol's `connectionMade` ran. `environment` nil inherits ours.
    /// A program that cannot be started throws `OSError` (ENOENT "No such file or
    /// directory: 'name'", EACCES, ...) and leaves nothing open. Cancelled while
    /// starting, the child is killed.
    public func subprocessExec<P: SubprocessProtocol>(
        _ factory: () throws -> P, _ program: String, _ arguments: [String] = [],
        stdin: SubprocessStdio = .pipe, stdout: SubprocessStdio = .pipe, stderr: SubprocessStdio = .pipe,
        environment: [String: String]? = nil, currentDirectory: String? = nil
    ) async throws -> (any SubprocessTransport, P) {
        let (transport, proto) = try await spawnSubprocess(
            factory, program, [program] + arguments, stdin: stdin, stdout: stdout, stderr: stderr,
            environment: environment, currentDirectory: currentDirectory)
        return (transport, proto)
    }

    /// Runs `command` with `/bin/sh -c`: asyncio's `loop.subprocess_shell`. See
    /// `subprocessExec` for the rest.
    public func subprocessShell<P: SubprocessProtocol>(
        _ factory: () throws -> P, _ command: String,
        stdin: SubprocessStdio = .pipe, stdout: SubprocessStdio = .pipe, stderr: SubprocessStdio = .pipe,
        environment: [String: String]? = nil, currentDirectory: String? = nil
    ) async throws -> (any SubprocessTransport, P) {
        let (transport, proto) = try await spawnSubprocess(
            factory, "/bin/sh", ["/bin/sh", "-c", command], stdin: stdin, stdout: stdout, stderr: stderr,
            environment: environment, currentDirectory: currentDirectory)
        return (transport, proto)
    }

    /// Both entry points: `argv` includes argument 0.
    func spawnSubprocess<P: SubprocessProtocol>(
        _ factory: () throws -> P, _ program: String, _ argv: [String],
        stdin: SubprocessStdio, stdout: SubprocessStdio, stderr: SubprocessStdio,
        environment: [String: String]?, currentDirectory: String?
    ) async throws -> (ProcessTransport, P) {
        assertOnLoopThread()
        precondition(stdin != .stdout && stdout != .stdout, ".stdout is only valid for stderr")
        try Task.checkCancellation()
        let proto = try factory()
        var created: [Int32: UVProcessPipe] = [:]
        var temporaryDescriptors: [Int32] = []
        defer { for fd in temporaryDescriptors { Glibc.close(fd) } }
        func giveUp() { for pipe in created.values { pipe.close() } }

        func container(_ choice: SubprocessStdio, fd: Int32) throws(OSError) -> UVProcess.Stdio {
            switch choice {
            case .pipe:
                let pipe = UVProcessPipe(loop: uv, label: "subprocess pipe fd=\(fd)")
                created[fd] = pipe
                // The child's stdin is readable on our side too, to notice the child closing it.
                return .createPipe(pipe, childReads: fd == 0, childWrites: true)
            case .devNull:
                let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
                if devNull < 0 { throw OSError(errno: errno, operation: "open('/dev/null')") }
                temporaryDescriptors.append(devNull)
                return .inherit(devNull)
            case .inherit:
                return .inherit(fd)
            case .fileDescriptor(let descriptor):
                return .inherit(descriptor)
            case .stdout:
                preconditionFailure("unreachable: .stdout is resolved with stdout")
            }
        }

        let stdio: [UVProcess.Stdio]
        do {
            let input = try container(stdin, fd: 0)
            if stderr == .stdout {
                // uv_spawn cannot hand one pipe it creates to two descriptors: make the pair here.
                let shared: UVProcess.Stdio
                if stdout == .pipe {
                    let (pipe, childEnd) = try UVProcessPipe.makePair(loop: uv, label: "subprocess pipe fd=1")
                    created[1] = pipe
                    temporaryDescriptors.append(childEnd)
                    shared = .inherit(childEnd)
                } else {
                    shared = try container(stdout, fd: 1)
                }
                stdio = [input, shared, shared]
            } else {
                stdio = [input, try container(stdout, fd: 1), try container(stderr, fd: 2)]
            }
        } catch {
            giveUp()
            throw error
        }

        let process: UVProcess
        do {
            process = try UVProcess(
                loop: uv, file: program, arguments: argv,
                environment: environment.map { $0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } },
                currentDirectory: currentDirectory, stdio: stdio)
        } catch {
            giveUp()
            // libuv reports a failed chdir like a missing program; name the directory, as
            // Python's subprocess does.
            if error.errno == ENOENT || error.errno == ENOTDIR, let currentDirectory, access(currentDirectory, X_OK) != 0 {
                throw OSError(errno: errno, path: currentDirectory)
            }
            throw error
        }
        let transport = ProcessTransport(loop: self, process: process, pipes: created, protocol: proto)
        do {
            try await transport.waitConnected()
        } catch {
            // asyncio closes the transport (killing the child) when the wait fails.
            transport.close()
            throw error
        }
        return (transport, proto)
    }
}
