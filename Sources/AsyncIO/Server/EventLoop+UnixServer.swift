import Glibc

extension EventLoop {
    /// Creates a Unix-domain stream server: asyncio's `loop.create_unix_server`.
    ///
    /// A stale socket file at `path` is removed before binding (asyncio does); with
    /// `cleanupSocket` the file is removed when the server closes, unless another file
    /// replaced it meanwhile (its inode differs). A path starting with a NUL byte names
    /// an abstract socket (no file). `sock` serves an existing bound AF_UNIX socket.
    /// The factory makes a `StreamingProtocol` or a `BufferedProtocol`, as for
    /// `createServer`.
    public func createUnixServer(
        _ factory: @escaping () throws -> any ConnectionProtocol,
        path: String? = nil, sock: Socket? = nil, backlog: Int = 100,
        startServing: Bool = true, cleanupSocket: Bool = true
    ) async throws -> Server {
        assertOnLoopThread()
        let (socket, address) = try Socket.unixStream(path: path, sock: sock,
                                                     neither: "path was not specified, and no sock specified")
        if let path, let address {
            if path.utf8.first != 0, let mode = Server.fileMode(path), mode & S_IFMT == S_IFSOCK {
                if unlink(path) != 0 && errno != ENOENT {
                    logger.error("Unable to check or remove stale UNIX socket '\(path)': \(OSError(errno: errno, operation: "unlink"))")
                }
            }
            do {
                try socket.bind(address)
            } catch {
                socket.close()
                if error.errno == EADDRINUSE {
                    throw OSError(errno: EADDRINUSE, message: "Address '\(path)' is already in use")
                }
                throw error
            }
        } else {
            try socket.setBlocking(false)
        }
        var cleanup: [Int32: (path: String, inode: UInt64)] = [:]
        if cleanupSocket, let bound = (try? socket.localAddress)?.path, let first = bound.utf8.first, first != 0,
           let inode = Server.fileInode(bound) {
            cleanup[socket.fileno] = (bound, inode)
        }
        return try await makeServer(factory, sockets: [socket], backlog: backlog,
                                    startServing: startServing, unixCleanup: cleanup)
    }
}

extension Server {
    static func fileMode(_ path: String) -> UInt32? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode
    }

    static func fileInode(_ path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt64(info.st_ino)
    }

    /// asyncio's unix `_stop_serving`: removes the socket file only if it is still the
    /// one the server bound (same inode).
    static func removeUnixSocketFile(_ path: String, ifInode inode: UInt64, logger loop: EventLoop) {
        guard fileInode(path) == inode else { return }
        if unlink(path) != 0 && errno != ENOENT {
            loop.logger.error("Unable to clean up listening UNIX socket '\(path)': \(OSError(errno: errno, operation: "unlink"))")
        }
    }
}
