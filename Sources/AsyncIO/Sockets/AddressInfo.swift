import Glibc

/// One answer of `EventLoop.getAddrInfo`: asyncio's `(family, type, proto, canonname,
/// sockaddr)` tuple.
public struct AddressInfo: Sendable, Hashable, CustomStringConvertible {
    /// `AF_INET` or `AF_INET6` (or `AF_UNIX`).
    public var family: Int32
    /// `SOCK_STREAM`, `SOCK_DGRAM`, ...
    public var type: Int32
    /// `IPPROTO_TCP`, `IPPROTO_UDP`, or 0.
    public var proto: Int32
    /// The canonical name when `AI_CANONNAME` was asked for, else empty.
    public var canonicalName: String
    /// The address to bind or connect to.
    public var address: SocketAddress

    /// An answer with the given fields (tests and custom resolvers).
    public init(family: Int32, type: Int32, proto: Int32, canonicalName: String = "", address: SocketAddress) {
        self.family = family
        self.type = type
        self.proto = proto
        self.canonicalName = canonicalName
        self.address = address
    }

    /// The entry as Python prints a `getaddrinfo` tuple:
    /// `(family, type, proto, 'canonname', address)`.
    public var description: String {
        "(\(family), \(type), \(proto), '\(canonicalName)', \(address))"
    }
}
