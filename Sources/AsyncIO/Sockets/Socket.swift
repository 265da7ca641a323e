import CAsyncIOSupport
import Glibc

/// A socket descriptor, non-blocking by default: the Swift side of Python's
/// `socket.socket` as asyncio's `loop.sock_*` methods use it.
///
/// Every socket system call of the library is wrapped here, once; the loop's `sock*`
/// methods, transports and servers go through these methods. Closing is idempotent; a
/// socket that is dropped without `close()` closes its descriptor in `deinit`, unless
/// the descriptor was handed on with `detach()`.
public final class Socket: @unchecked Sendable, CustomStringConvertible {
    /// `AF_INET`, `AF_INET6` or `AF_UNIX`.
    public let family: Int32
    /// `SOCK_STREAM`, `SOCK_DGRAM`, ...
    public let type: Int32
    /// The protocol number (0 for the default).
    public let proto: Int32
    private var descriptor: Int32
    /// A view does not own its descriptor: closing or dropping it leaves it open.
    private var isView = false
    /// The loop's poll watcher of this descriptor, if a `sock*` operation used one: it is
    /// stopped before the descriptor closes (libuv must not poll a closed descriptor).
    weak var pollWatcher: DescriptorWatcher?

    /// A new non-blocking, close-on-exec socket (Python's `socket.socket(family, type, proto)`
    /// followed by `setblocking(False)`), from C values; `Socket(family: .inet6, type:
    /// .datagram)` takes the Swift names (`AddressFamily`, `SocketType`).
    public init(family: Int32 = AF_INET, type: Int32 = Int32(SOCK_STREAM.rawValue), proto: Int32 = 0) throws(OSError) {
        let fd = Glibc.socket(family, type | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), proto)
        guard fd >= 0 else { throw OSError(errno: errno, operation: "socket(\(family), \(type), \(proto))") }
        self.family = family
        self.type = type
        self.proto = proto
        descriptor = fd
    }

    /// Takes ownership of an open socket descriptor (Python's `socket.socket(fileno=fd)`),
    /// reading its family, type and protocol from the kernel. Its blocking mode is kept.
    public init(adopting fd: Int32) throws(OSError) {
        func query(_ option: Int32) throws(OSError) -> Int32 {
            var value: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, option, &value, &length) == 0 else {
                throw OSError(errno: errno, operation: "getsockopt(\(fd))")
            }
            return value
        }
        family = try query(SO_DOMAIN)
        type = try query(SO_TYPE)
        proto = try query(SO_PROTOCOL)
        descriptor = fd
    }

    /// A non-owning view of a descriptor owned elsewhere (a transport's or server's libuv
    /// handle), as asyncio's `TransportSocket`: options and addresses work, `close()`
    /// and `detach()` only forget the descriptor. The owner calls `invalidateView()`
    /// when it closes the descriptor.
    init(viewing fd: Int32, family: Int32, type: Int32, proto: Int32) {
        self.family = family
        self.type = type
        self.proto = proto
        descriptor = fd
        isView = true
    }

    /// Whether this socket is a non-owning view (`getExtraInfo("socket")`, `Server.sockets`).
    public var isTransportView: Bool { isView }

    /// Makes a view forget its descriptor once the owner closed it.
    func invalidateView() {
        precondition(isView, "invalidateView() on an owning socket")
        descriptor = -1
    }

    deinit {
        if descriptor >= 0 && !isView {
            releaseWatcher()
            Glibc.close(descriptor)
        }
    }

    /// The descriptor, or -1 once closed or detached (Python's `fileno()`).
    public var fileno: Int32 { descriptor }

    /// Whether `close()` or `detach()` was called.
    public var isClosed: Bool { descriptor < 0 }

    /// Closes the descriptor; later calls do nothing.
    ///
    /// If the loop's `sock*` methods polled this socket, the poll is stopped first and an
    /// operation still waiting on it fails with `EBADF`; call `close()` on the loop's
    /// thread then. (Closing the raw descriptor behind the loop's back, or while an
    /// `addReader`/`addWriter` callback is registered for it, is the caller's bug, as in
    /// asyncio: remove the callbacks first.)
    public func close() {
        guard descriptor >= 0 else { return }
        let fd = descriptor
        descriptor = -1
        guard !isView else { return }
        releaseWatcher()
        Glibc.close(fd)
    }

    /// Gives up ownership of the descriptor and returns it; the socket then counts as closed.
    /// Like `close()`, stops the loop's poll of the descriptor first.
    public func detach() -> Int32 {
        if isView {
            descriptor = -1
            return -1
        }
        let fd = descriptor
        descriptor = -1
        releaseWatcher()
        return fd
    }

    /// Stops the loop's poll of the descriptor while the descriptor is still open.
    /// Stops and closes the loop's poll of this descriptor, if `sock*` made one: libuv
    /// allows one handle per descriptor, so a transport's stream handle may take the
    /// descriptor over only after this.
    func releaseWatcher() {
        guard let watcher = pollWatcher else { return }
        pollWatcher = nil
        watcher.descriptorWillClose()
    }

    private func checkOpen(_ operation: String) throws(OSError) {
        guard descriptor >= 0 else { throw OSError(errno: EBADF, message: "\(operation) on a closed socket") }
    }

    // MARK: Setup

    /// Binds to `address`; the error names it (`bind(('127.0.0.1', 80)): Permission denied`).
    public func bind(_ address: SocketAddress) throws(OSError) {
        try checkOpen("bind")
        let status = address.withSockAddr { Glibc.bind(descriptor, $0, $1) }
        guard status == 0 else { throw OSError(errno: errno, operation: "bind(\(address))") }
    }

    /// Starts listening for connections.
    public func listen(backlog: Int32 = 100) throws(OSError) {
        try checkOpen("listen")
        guard Glibc.listen(descriptor, backlog) == 0 else { throw OSError(errno: errno, operation: "listen") }
    }

    /// Whether operations block (Python's `getblocking()`).
    public var isBlocking: Bool {
        descriptor >= 0 && fcntl(descriptor, F_GETFL) & O_NONBLOCK == 0
    }

    /// Switches blocking mode (Python's `setblocking`). The loop's operations need
    /// non-blocking sockets.
    public func setBlocking(_ blocking: Bool) throws(OSError) {
        try checkOpen("setBlocking")
        let flags = fcntl(descriptor, F_GETFL)
        let updated = blocking ? flags & ~O_NONBLOCK : flags | O_NONBLOCK
        guard flags >= 0, fcntl(descriptor, F_SETFL, updated) == 0 else {
            throw OSError(errno: errno, operation: "fcntl(O_NONBLOCK)")
        }
    }

    /// Sets an integer socket option (Python's `setsockopt(level, name, value)`), e.g.
    /// `setOption(level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)`; with a named
    /// `SocketOption`, `setOption(.reuseAddress, true)`.
    public func setOption(level: Int32, name: Int32, value: Int32) throws(OSError) {
        try checkOpen("setsockopt")
        var value = value
        guard setsockopt(descriptor, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw OSError(errno: errno, operation: "setsockopt(\(level), \(name))")
        }
    }

    /// Reads an integer socket option (Python's `getsockopt(level, name)`).
    public func getOption(level: Int32, name: Int32) throws(OSError) -> Int32 {
        try checkOpen("getsockopt")
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, level, name, &value, &length) == 0 else {
            throw OSError(errno: errno, operation: "getsockopt(\(level), \(name))")
        }
        return value
    }

    /// Shuts down reading, writing or both (`SHUT_RD`, `SHUT_WR`, `SHUT_RDWR`; by name,
    /// `shutdown(.write)`).
    public func shutdown(_ how: Int32) throws(OSError) {
        try checkOpen("shutdown")
        guard Glibc.shutdown(descriptor, how) == 0 else { throw OSError(errno: errno, operation: "shutdown") }
    }

    /// The address the socket is bound to (Python's `getsockname()`).
    public var localAddress: SocketAddress {
        get throws(OSError) {
            try checkOpen("getsockname")
            return try Self.readAddress("getsockname") { getsockname(descriptor, $0, $1) }
        }
    }

    /// The address of the connected peer (Python's `getpeername()`).
    public var peerAddress: SocketAddress {
        get throws(OSError) {
            try checkOpen("getpeername")
            return try Self.readAddress("getpeername") { getpeername(descriptor, $0, $1) }
        }
    }

    private static func readAddress(
        _ operation: String,
        _ call: (UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32
    ) throws(OSError) -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { call($0, &length) }
        }
        guard status == 0 else { throw OSError(errno: errno, operation: operation) }
        let address = withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { SocketAddress($0, length: length) }
        }
        guard let address else { throw OSError(errno: EAFNOSUPPORT, operation: operation) }
        return address
    }

    /// The pending error of a non-blocking connect (`SO_ERROR`), 0 if none.
    public var pendingError: Int32 {
        (try? getOption(level: SOL_SOCKET, name: SO_ERROR)) ?? EBADF
    }

    /// Python's socket `repr`: `<Socket fd=…, family=…, type=…, proto=…, laddr=…, raddr=…>`
    /// (the addresses while the socket has them).
    public var description: String {
        var text = "<Socket fd=\(descriptor), family=\(family), type=\(type), proto=\(proto)"
        if descriptor >= 0 {
            if let local = try? localAddress { text += ", laddr=\(local)" }
            if let peer = try? peerAddress { text += ", raddr=\(peer)" }
        }
        return text + ">"
    }

    // MARK: Non-blocking operations (the loop's sock* methods wait for readiness around these)

    /// The outcome of one non-blocking call: done, or the socket would block.
    enum Attempt<Value> {
        case done(Value)
        case wouldBlock
    }

    @inline(__always)
    private static func isWouldBlock(_ code: Int32) -> Bool {
        code == EAGAIN || code == EWOULDBLOCK || code == EINTR
    }

    /// `accept4`: a new non-blocking, close-on-exec socket and its peer address.
    func tryAccept() throws(OSError) -> Attempt<(Socket, SocketAddress)> {
        try checkOpen("accept")
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                asyncio_accept4(descriptor, $0, &length, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
            }
        }
        if fd < 0 {
            let code = errno
            if Self.isWouldBlock(code) || code == ECONNABORTED { return .wouldBlock }
            throw OSError(errno: code, operation: "accept")
        }
        let peer = withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { SocketAddress($0, length: length) }
        }
        let socket = try Socket(acceptedDescriptor: fd, from: self)
        return .done((socket, peer ?? (try? socket.peerAddress) ?? (try! SocketAddress(unixPath: ""))))
    }

    private init(acceptedDescriptor fd: Int32, from listener: Socket) throws(OSError) {
        family = listener.family
        type = listener.type
        proto = listener.proto
        descriptor = fd
    }

    /// Starts a connect: `true` if it completed at once, `false` if it is in progress
    /// (wait for writability, then read `pendingError`). `EALREADY` (an earlier connect
    /// of this socket, cancelled, is still in progress) counts as in progress: asyncio
    /// waits on every `BlockingIOError` (`selector_events._sock_connect`), and Python
    /// maps `EALREADY` to that exception as it does `EINPROGRESS` and `EAGAIN`.
    func tryConnect(_ address: SocketAddress) throws(OSError) -> Bool {
        try checkOpen("connect")
        let status = address.withSockAddr { Glibc.connect(descriptor, $0, $1) }
        if status == 0 { return true }
        let code = errno
        if code == EINPROGRESS || code == EALREADY || code == EINTR || code == EAGAIN { return false }
        throw OSError(errno: code, message: "Connect call failed \(address)")
    }

    /// `recv` into `buffer`; `.done(0)` means end of file.
    func tryRecv(into buffer: UnsafeMutableRawBufferPointer) throws(OSError) -> Attempt<Int> {
        try checkOpen("recv")
        let count = Glibc.recv(descriptor, buffer.baseAddress, buffer.count, 0)
        if count >= 0 { return .done(count) }
        let code = errno
        if Self.isWouldBlock(code) { return .wouldBlock }
        throw OSError(errno: code, operation: "recv")
    }

    /// `send` from `buffer` (MSG_NOSIGNAL: a closed peer is an error, not SIGPIPE).
    func trySend(_ buffer: UnsafeRawBufferPointer) throws(OSError) -> Attempt<Int> {
        try checkOpen("send")
        let count = Glibc.send(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
        if count >= 0 { return .done(count) }
        let code = errno
        if Self.isWouldBlock(code) { return .wouldBlock }
        throw OSError(errno: code, operation: "send")
    }

    /// `recvfrom` into `buffer`: the byte count and the sender.
    func tryRecvFrom(into buffer: UnsafeMutableRawBufferPointer) throws(OSError) -> Attempt<(Int, SocketAddress?)> {
        try checkOpen("recvfrom")
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let count = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.recvfrom(descriptor, buffer.baseAddress, buffer.count, 0, $0, &length)
            }
        }
        if count < 0 {
            let code = errno
            if Self.isWouldBlock(code) { return .wouldBlock }
            throw OSError(errno: code, operation: "recvfrom")
        }
        let sender = length == 0 ? nil : withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { SocketAddress($0, length: length) }
        }
        return .done((count, sender))
    }

    /// `sendto` one datagram to `address`.
    func trySendTo(_ buffer: UnsafeRawBufferPointer, to address: SocketAddress) throws(OSError) -> Attempt<Int> {
        try checkOpen("sendto")
        let count = address.withSockAddr {
            Glibc.sendto(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), $0, $1)
        }
        if count >= 0 { return .done(count) }
        let code = errno
        if Self.isWouldBlock(code) { return .wouldBlock }
        throw OSError(errno: code, operation: "sendto(\(address))")
    }

    /// `sendfile(2)` from `file` at `offset` (advanced by what was sent); `.done(0)` at
    /// the end of the file.
    func trySendFile(from file: Int32, offset: inout Int, count: Int) throws(OSError) -> Attempt<Int> {
        try checkOpen("sendfile")
        var position = off_t(offset)
        let sent = Glibc.sendfile(descriptor, file, &position, count)
        if sent >= 0 {
            offset = Int(position)
            return .done(sent)
        }
        let code = errno
        if Self.isWouldBlock(code) { return .wouldBlock }
        throw OSError(errno: code, operation: "sendfile")
    }

    // MARK: File descriptors (sockSendFile's source file)

    /// The size of `file` if it is a regular file (what `sendfile(2)` can read), else nil.
    static func regularFileSize(_ file: Int32) -> Int? {
        var status = stat()
        guard fstat(file, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int(status.st_size)
    }

    /// `lseek(file, offset, SEEK_SET)`.
    static func seek(_ file: Int32, to offset: Int) throws(OSError) {
        guard lseek(file, off_t(offset), SEEK_SET) >= 0 else {
            throw OSError(errno: errno, operation: "lseek(\(file), \(offset))")
        }
    }

    /// Reads up to `count` bytes from `file` at its position (blocking; run it off the
    /// loop); an empty array at the end of the file.
    static func read(_ file: Int32, upTo count: Int) throws(OSError) -> [UInt8] {
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            while true {
                let got = Glibc.read(file, buffer.baseAddress, count)
                if got >= 0 {
                    initialized = got
                    return
                }
                if errno != EINTR {
                    failure = errno
                    initialized = 0
                    return
                }
            }
        }
        if failure != 0 { throw OSError(errno: failure, operation: "read(\(file))") }
        return bytes
    }
}
