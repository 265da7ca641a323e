import Glibc

extension Socket {
    /// The `path`/`sock` rule of asyncio's `create_unix_connection` and
    /// `create_unix_server`: with `path` (and no `sock`), a new AF_UNIX stream socket and
    /// the address to connect or bind it to; without, `sock`, which must be an AF_UNIX
    /// stream socket, and no address. `neither` is asyncio's message when both are
    /// missing (the two functions word it differently). Throws `InvalidArgumentError`.
    static func unixStream(path: String?, sock: Socket?, neither: String) throws -> (socket: Socket, address: SocketAddress?) {
        if let path {
            guard sock == nil else { throw InvalidArgumentError("path and sock can not be specified at the same time") }
            let address = try SocketAddress(unixPath: path)
            return (try Socket(family: AF_UNIX), address)
        }
        guard let sock else { throw InvalidArgumentError(neither) }
        guard sock.family == AF_UNIX, sock.type == Int32(SOCK_STREAM.rawValue) else {
            throw InvalidArgumentError("A UNIX Domain Stream Socket was expected, got \(sock)")
        }
        return (sock, nil)
    }
}
