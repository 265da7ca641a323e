import CLibUV
import Glibc

/// A `uv_pipe_t` for one of a child's standard streams. `uv_spawn` opens it on the
/// parent's end of the socket pair it creates (`UV_CREATE_PIPE`), or `open` adopts the
/// parent's end of a pair made by the caller. The handle owns that descriptor.
final class UVProcessPipe: UVStream {
    init(loop: UVLoop, label: String) {
        super.init(size: MemoryLayout<uv_pipe_t>.size, label: label)
        uv_pipe_init(loop.raw, pointer.assumingMemoryBound(to: uv_pipe_t.self), 0)
        registered()
    }

    /// Adopts `descriptor`; on failure it is still the caller's to close.
    func open(_ descriptor: Int32) throws(OSError) {
        let status = uv_pipe_open(pointer.assumingMemoryBound(to: uv_pipe_t.self), descriptor)
        if status != 0 { throw OSError(uvStatus: status, operation: "uv_pipe_open") }
    }

    /// A socket pair for a child's stream that `uv_spawn` cannot make itself (the
    /// child's stderr sharing its stdout): our end, non-blocking, in a new pipe handle;
    /// the child's end (blocking, close-on-exec) is the caller's to pass and then close.
    static func makePair(loop: UVLoop, label: String) throws(OSError) -> (pipe: UVProcessPipe, childDescriptor: Int32) {
        var fds: (uv_os_sock_t, uv_os_sock_t) = (-1, -1)
        let status = withUnsafeMutableBytes(of: &fds) {
            uv_socketpair(Int32(SOCK_STREAM.rawValue), 0, $0.baseAddress!.assumingMemoryBound(to: uv_os_sock_t.self),
                          Int32(UV_NONBLOCK_PIPE.rawValue), 0)
        }
        if status != 0 { throw OSError(uvStatus: status, operation: "socketpair") }
        let pipe = UVProcessPipe(loop: loop, label: label)
        do {
            try pipe.open(fds.0)
        } catch {
            pipe.close()
            Glibc.close(fds.0)
            Glibc.close(fds.1)
            throw error
        }
        return (pipe, fds.1)
    }

    /// The descriptor of the parent's end, or -1 before the pipe is open.
    var descriptor: Int32 {
        var fd = uv_os_fd_t(-1)
        guard !isCloseRequested, uv_fileno(handle, &fd) == 0 else { return -1 }
        return fd
    }
}

/// A child process started with `uv_spawn`; libuv reaps it and calls the exit callback
/// from its SIGCHLD handler on the loop thread.
///
/// The handle stays open after the child exits (its pid and status are kept here); the
/// owner closes it. A failed spawn closes the handle at once and throws.
final class UVProcess: UVHandle {
    /// How one of the child's descriptors is set up.
    enum Stdio {
        /// The child gets a duplicate of our `descriptor`.
        case inherit(Int32)
        /// A new socket pair; our end goes into `pipe`. `childReads`/`childWrites` say how
        /// the child uses its end (both may be set: the parent then watches its end of
        /// the child's stdin for the child closing it).
        case createPipe(UVProcessPipe, childReads: Bool, childWrites: Bool)
    }

    private(set) var pid: Int32 = 0
    /// Whether libuv reported the child's exit.
    private(set) var hasExited = false
    /// Runs once when libuv reaped the child, on the loop thread: its exit status and
    /// the signal that killed it (0 if none). Set it before returning to the loop.
    var onExit: ((_ exitStatus: Int64, _ termSignal: Int32) -> Void)?

    /// Spawns `file` (searched in PATH) with `arguments` (argument 0 included);
    /// `environment` nil inherits ours. libuv waits for the `exec`, so a missing program
    /// fails here, with the handle already closing.
    init(
        loop: UVLoop, file: String, arguments: [String], environment: [String]?,
        currentDirectory: String?, stdio: [Stdio]
    ) throws(OSError) {
        super.init(size: MemoryLayout<uv_process_t>.size, label: "subprocess \(file)")
        let process = pointer.assumingMemoryBound(to: uv_process_t.self)

        var containers = stdio.map { entry -> uv_stdio_container_t in
            var container = uv_stdio_container_t()
            switch entry {
            case .inherit(let fd):
                container.flags = UV_INHERIT_FD
                container.data.fd = fd
            case .createPipe(let pipe, let childReads, let childWrites):
                var flags = UV_CREATE_PIPE.rawValue
                if childReads { flags |= UV_READABLE_PIPE.rawValue }
                if childWrites { flags |= UV_WRITABLE_PIPE.rawValue }
                container.flags = uv_stdio_flags(flags)
                container.data.stream = pipe.stream
            }
            return container
        }
        let argv = CStringArray(arguments)
        let envp = environment.map { CStringArray($0) }
        let status: Int32 = file.withCString { filePointer in
            withOptionalCString(currentDirectory) { cwdPointer in
                containers.withUnsafeMutableBufferPointer { containerBuffer in
                    var options = uv_process_options_t()
                    options.exit_cb = { raw, exitStatus, termSignal in
                        let owner = UVHandle.owner(raw, as: UVProcess.self)
                        owner.hasExited = true
                        let callback = owner.onExit
                        owner.onExit = nil
                        callback?(exitStatus, termSignal)
                    }
                    options.file = filePointer
                    options.args = argv.pointer
                    options.env = envp?.pointer
                    options.cwd = cwdPointer
                    options.flags = 0
                    options.stdio_count = Int32(containerBuffer.count)
                    options.stdio = containerBuffer.baseAddress
                    return uv_spawn(loop.raw, process, &options)
                }
            }
        }
        withExtendedLifetime(argv) {}
        withExtendedLifetime(envp) {}
        // uv_spawn initialised the handle whatever the outcome; libuv wants it closed.
        registered()
        if status != 0 {
            close()
            // Python's form: "[Errno 2] No such file or directory: 'name'".
            throw OSError(uvStatus: status, path: file)
        }
        pid = process.pointee.pid
    }

    /// Whether the child terminated but was not reaped yet (`waitid` with `WNOWAIT`
    /// peeks without reaping, so libuv still gets the status): asyncio's `Popen.poll()`.
    var hasTerminated: Bool {
        guard pid > 0, !hasExited else { return hasExited }
        var info = siginfo_t()
        let result = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
        return result == 0 && info._sifields._sigchld.si_pid == pid
    }

    /// `uv_process_kill`: a libuv status (`UV_ESRCH` once the child was reaped).
    func kill(_ signal: Int32) -> Int32 {
        guard !isCloseRequested else { return UV_ESRCH.rawValue }
        return uv_process_kill(pointer.assumingMemoryBound(to: uv_process_t.self), signal)
    }

    override func willClose() {
        onExit = nil
    }
}

/// A NULL-terminated array of C strings that lives as long as this object.
private final class CStringArray {
    let pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    private let count: Int

    init(_ strings: [String]) {
        count = strings.count
        pointer = .allocate(capacity: count + 1)
        for (index, string) in strings.enumerated() { pointer[index] = strdup(string) }
        pointer[count] = nil
    }

    deinit {
        for index in 0..<count { free(pointer[index]) }
        pointer.deallocate()
    }
}

private func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let string else { return body(nil) }
    return string.withCString { body($0) }
}
