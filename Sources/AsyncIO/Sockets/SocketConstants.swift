import Glibc

// Swift names for the C constants the socket API takes, so a program written against
// `import AsyncIO` alone can make, configure and shut down sockets. Each name is written
// once, here, as its C value (`rawValue`); the typed overloads of `Socket` and
// `EventLoop` pass that value on to the Int32 forms, which stay for code that already
// uses the C names.

/// An address family: Python's `socket.AF_*` (`socket.AddressFamily`).
public struct AddressFamily: RawRepresentable, Hashable, Sendable {
    /// The C value (`AF_INET`, ...).
    public var rawValue: Int32
    /// A family by its C value, for the ones without a name here.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// `AF_UNSPEC`: any family (getaddrinfo answers every one).
    public static let unspec = AddressFamily(rawValue: AF_UNSPEC)
    /// `AF_INET`: IPv4.
    public static let inet = AddressFamily(rawValue: AF_INET)
    /// `AF_INET6`: IPv6.
    public static let inet6 = AddressFamily(rawValue: AF_INET6)
    /// `AF_UNIX`: Unix-domain sockets (paths).
    public static let unix = AddressFamily(rawValue: AF_UNIX)
}

/// A socket type: Python's `socket.SOCK_*` (`socket.SocketKind`).
public struct SocketType: RawRepresentable, Hashable, Sendable {
    /// The C value (`SOCK_STREAM`, ...).
    public var rawValue: Int32
    /// A type by its C value, for the ones without a name here.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// `SOCK_STREAM`: a connection-oriented byte stream (TCP, Unix stream).
    public static let stream = SocketType(rawValue: Int32(SOCK_STREAM.rawValue))
    /// `SOCK_DGRAM`: datagrams (UDP, Unix datagram).
    public static let datagram = SocketType(rawValue: Int32(SOCK_DGRAM.rawValue))
    /// `SOCK_RAW`: raw network-protocol access.
    public static let raw = SocketType(rawValue: Int32(SOCK_RAW.rawValue))
    /// `SOCK_SEQPACKET`: connection-oriented records (Unix sockets).
    public static let seqPacket = SocketType(rawValue: Int32(SOCK_SEQPACKET.rawValue))
}

/// An integer socket option, its level and name together: the `(level, optname)` pair
/// of Python's `sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)`.
public struct SocketOption: Hashable, Sendable {
    /// The protocol level (`SOL_SOCKET`, `IPPROTO_TCP`, `IPPROTO_IPV6`, ...).
    public var level: Int32
    /// The option's name at that level (`SO_REUSEADDR`, `TCP_NODELAY`, ...).
    public var name: Int32
    /// An option by its C level and name, for the ones without a name here.
    public init(level: Int32, name: Int32) {
        self.level = level
        self.name = name
    }

    /// `SOL_SOCKET, SO_REUSEADDR`: bind a port that connections in TIME_WAIT still use.
    public static let reuseAddress = SocketOption(level: SOL_SOCKET, name: SO_REUSEADDR)
    /// `SOL_SOCKET, SO_REUSEPORT`: several sockets bind the same port; the kernel spreads
    /// connections over them.
    public static let reusePort = SocketOption(level: SOL_SOCKET, name: SO_REUSEPORT)
    /// `SOL_SOCKET, SO_KEEPALIVE`: probe idle connections.
    public static let keepAlive = SocketOption(level: SOL_SOCKET, name: SO_KEEPALIVE)
    /// `SOL_SOCKET, SO_BROADCAST`: a datagram socket may send to broadcast addresses.
    public static let broadcast = SocketOption(level: SOL_SOCKET, name: SO_BROADCAST)
    /// `SOL_SOCKET, SO_RCVBUF`: the kernel's receive buffer size in bytes (Linux reports
    /// twice the value set, for its bookkeeping).
    public static let receiveBufferSize = SocketOption(level: SOL_SOCKET, name: SO_RCVBUF)
    /// `SOL_SOCKET, SO_SNDBUF`: the kernel's send buffer size in bytes (Linux reports
    /// twice the value set).
    public static let sendBufferSize = SocketOption(level: SOL_SOCKET, name: SO_SNDBUF)
    /// `SOL_SOCKET, SO_ERROR`: the pending error, read once (cleared by reading).
    public static let error = SocketOption(level: SOL_SOCKET, name: SO_ERROR)
    /// `IPPROTO_TCP, TCP_NODELAY`: send small segments at once (no Nagle delay).
    public static let tcpNoDelay = SocketOption(level: Int32(IPPROTO_TCP), name: TCP_NODELAY)
    /// `IPPROTO_TCP, TCP_KEEPIDLE`: seconds idle before the first keep-alive probe.
    public static let tcpKeepIdle = SocketOption(level: Int32(IPPROTO_TCP), name: TCP_KEEPIDLE)
    /// `IPPROTO_TCP, TCP_KEEPINTVL`: seconds between keep-alive probes.
    public static let tcpKeepInterval = SocketOption(level: Int32(IPPROTO_TCP), name: TCP_KEEPINTVL)
    /// `IPPROTO_TCP, TCP_KEEPCNT`: unanswered probes before the connection is dropped.
    public static let tcpKeepCount = SocketOption(level: Int32(IPPROTO_TCP), name: TCP_KEEPCNT)
    /// `IPPROTO_IPV6, IPV6_V6ONLY`: an `inet6` socket takes IPv6 only, not IPv4-mapped
    /// addresses.
    public static let ipv6Only = SocketOption(level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY)
}

/// Which directions `Socket.shutdown` closes: Python's `socket.SHUT_RD`, `SHUT_WR`,
/// `SHUT_RDWR`.
public struct ShutdownDirection: RawRepresentable, Hashable, Sendable {
    /// The C value (`SHUT_RD`, ...).
    public var rawValue: Int32
    /// A direction by its C value.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// `SHUT_RD`: no more receiving.
    public static let read = ShutdownDirection(rawValue: Int32(SHUT_RD))
    /// `SHUT_WR`: no more sending; the peer reads end of file.
    public static let write = ShutdownDirection(rawValue: Int32(SHUT_WR))
    /// `SHUT_RDWR`: both.
    public static let readWrite = ShutdownDirection(rawValue: Int32(SHUT_RDWR))
}

extension Socket {
    /// A new non-blocking, close-on-exec socket from the Swift names: Python's
    /// `socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)`. The Int32 form
    /// `init(family:type:proto:)` takes the C values.
    public convenience init(family: AddressFamily, type: SocketType = .stream, proto: Int32 = 0) throws(OSError) {
        try self.init(family: family.rawValue, type: type.rawValue, proto: proto)
    }

    /// The family as its Swift name (`family` is the C value).
    public var addressFamily: AddressFamily { AddressFamily(rawValue: family) }

    /// The type as its Swift name (`type` is the C value).
    public var socketType: SocketType { SocketType(rawValue: type) }

    /// Sets an integer option: `setOption(.reuseAddress, value: 1)` (Python's
    /// `setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)`).
    public func setOption(_ option: SocketOption, value: Int32) throws(OSError) {
        try setOption(level: option.level, name: option.name, value: value)
    }

    /// Turns a boolean option on or off: `setOption(.tcpNoDelay, true)`.
    public func setOption(_ option: SocketOption, _ enabled: Bool) throws(OSError) {
        try setOption(option, value: enabled ? 1 : 0)
    }

    /// Reads an integer option: `getOption(.receiveBufferSize)` (Python's
    /// `getsockopt(SOL_SOCKET, SO_RCVBUF)`); a boolean option reads nonzero when on.
    public func getOption(_ option: SocketOption) throws(OSError) -> Int32 {
        try getOption(level: option.level, name: option.name)
    }

    /// Shuts down reading, writing or both: `shutdown(.write)` (Python's
    /// `shutdown(socket.SHUT_WR)`).
    public func shutdown(_ direction: ShutdownDirection) throws(OSError) {
        try shutdown(direction.rawValue)
    }
}
