import Glibc

/// An IPv4, IPv6 or Unix-domain socket address.
///
/// It prints like the tuple asyncio hands out: `('127.0.0.1', 8080)`,
/// `('::1', 8080, 0, 0)` (host, port, flow info, scope id), or the path of a Unix socket.
public struct SocketAddress: Sendable, Hashable, CustomStringConvertible {
    enum Storage: Sendable {
        case ipv4(sockaddr_in)
        case ipv6(sockaddr_in6)
        case unix(sockaddr_un, length: socklen_t)
    }

    var storage: Storage

    /// An IPv4 address from its dotted-quad text (`"127.0.0.1"`) and a port.
    ///
    /// Throws `InvalidArgumentError` for a port outside 0–65535 (see `checkedPort`) and
    /// `AddressParseError` for text that is not an IPv4 address.
    public init(ipv4 host: String, port: Int) throws {
        let port = try Self.checkedPort(port)
        guard let address = Self.ipv4(host, port: port) else {
            throw AddressParseError(text: host, reason: "not an IPv4 address")
        }
        storage = .ipv4(address)
    }

    /// An IPv6 address from its text (`"::1"`, `"fe80::1%eth0"` sets the scope id), a port,
    /// and the flow information and scope id of `AF_INET6` addresses.
    ///
    /// Throws `InvalidArgumentError` for a port outside 0–65535 (see `checkedPort`) and
    /// `AddressParseError` for text that is not an IPv6 address or names no interface.
    public init(ipv6 host: String, port: Int, flowInfo: UInt32 = 0, scopeID: UInt32 = 0) throws {
        storage = .ipv6(try Self.ipv6(host, port: try Self.checkedPort(port), flowInfo: flowInfo, scopeID: scopeID))
    }

    /// A literal IPv4 or IPv6 address and a port; host names are not resolved here
    /// (use `EventLoop.getAddrInfo`).
    ///
    /// Throws `InvalidArgumentError` for a port outside 0–65535 (see `checkedPort`), else
    /// `AddressParseError` for a host that is not an IP address literal.
    public init(host: String, port: Int) throws {
        let port = try Self.checkedPort(port)
        if let v4 = Self.ipv4(host, port: port) {
            storage = .ipv4(v4)
        } else if host.contains(":") {
            storage = .ipv6(try Self.ipv6(host, port: port, flowInfo: 0, scopeID: 0))
        } else {
            throw AddressParseError(text: host, reason: "not an IP address literal")
        }
    }

    /// `host` as an IPv4 address, nil if it is not one.
    private static func ipv4(_ host: String, port: UInt16) -> sockaddr_in? {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(port.bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return nil }
        return address
    }

    /// `host` as an IPv6 address; a `%zone` suffix gives the scope id.
    private static func ipv6(_ host: String, port: UInt16, flowInfo: UInt32, scopeID: UInt32)
        throws(AddressParseError) -> sockaddr_in6
    {
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = in_port_t(port.bigEndian)
        address.sin6_flowinfo = flowInfo.bigEndian
        var text = host
        var scope = scopeID
        if let percent = host.firstIndex(of: "%") {
            text = String(host[..<percent])
            let zone = String(host[host.index(after: percent)...])
            if let number = UInt32(zone) {
                scope = number
            } else {
                scope = if_nametoindex(zone)
                guard scope != 0 else { throw AddressParseError(text: host, reason: "unknown interface '\(zone)'") }
            }
        }
        guard inet_pton(AF_INET6, text, &address.sin6_addr) == 1 else {
            throw AddressParseError(text: host, reason: "not an IPv6 address")
        }
        address.sin6_scope_id = scope
        return address
    }

    /// The one check of a port number, made wherever a port enters: these initialisers,
    /// `withPort`, and `EventLoop.getAddrInfo`, which `createServer`, `startServer`,
    /// `createConnection`, `openConnection`, `createDatagramEndpoint` and `sockConnect`
    /// resolve through. A port outside 0–65535 throws `InvalidArgumentError` "port must
    /// be 0-65535, got 70000" (Python raises `OverflowError("port must be 0-65535.")`),
    /// so no port is ever cut to 16 bits (70000 would be 4464).
    static func checkedPort(_ port: Int) throws(InvalidArgumentError) -> UInt16 {
        guard let valid = UInt16(exactly: port) else {
            throw InvalidArgumentError("port must be 0-65535, got \(port)")
        }
        return valid
    }

    /// A Unix-domain socket path; a leading NUL byte names an abstract socket (Linux).
    public init(unixPath path: String) throws(AddressParseError) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else {
            throw AddressParseError(text: path, reason: "Unix socket path longer than \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        let length = MemoryLayout<sa_family_t>.size + bytes.count + (bytes.first == 0 ? 0 : 1)
        storage = .unix(address, length: socklen_t(length))
    }

    /// Reads a C socket address (as filled by `accept`, `getpeername`, `getaddrinfo`).
    public init?(_ address: UnsafePointer<sockaddr>, length: socklen_t) {
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            guard length >= MemoryLayout<sockaddr_in>.size else { return nil }
            storage = .ipv4(UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in.self))
        case AF_INET6:
            guard length >= MemoryLayout<sockaddr_in6>.size else { return nil }
            storage = .ipv6(UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in6.self))
        case AF_UNIX:
            var un = sockaddr_un()
            let count = min(Int(length), MemoryLayout<sockaddr_un>.size)
            withUnsafeMutableBytes(of: &un) { raw in
                raw.copyMemory(from: UnsafeRawBufferPointer(start: address, count: count))
            }
            storage = .unix(un, length: socklen_t(max(count, MemoryLayout<sa_family_t>.size)))
        default:
            return nil
        }
    }

    /// `AF_INET`, `AF_INET6` or `AF_UNIX`.
    public var family: Int32 {
        switch storage {
        case .ipv4: AF_INET
        case .ipv6: AF_INET6
        case .unix: AF_UNIX
        }
    }

    /// The address as text (`"127.0.0.1"`, `"::1"`), or the path of a Unix socket.
    public var host: String {
        switch storage {
        case .ipv4(var address):
            var buffer = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            inet_ntop(AF_INET, &address.sin_addr, &buffer, socklen_t(buffer.count))
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        case .ipv6(var address):
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            inet_ntop(AF_INET6, &address.sin6_addr, &buffer, socklen_t(buffer.count))
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        case .unix:
            return path ?? ""
        }
    }

    /// The port of an IP address; nil for a Unix socket.
    public var port: Int? {
        switch storage {
        case .ipv4(let address): Int(UInt16(bigEndian: address.sin_port))
        case .ipv6(let address): Int(UInt16(bigEndian: address.sin6_port))
        case .unix: nil
        }
    }

    /// The flow information and scope id of an IPv6 address.
    public var flowInfo: UInt32? {
        if case .ipv6(let address) = storage { return UInt32(bigEndian: address.sin6_flowinfo) }
        return nil
    }

    /// The scope id (interface index) of an IPv6 address.
    public var scopeID: UInt32? {
        if case .ipv6(let address) = storage { return address.sin6_scope_id }
        return nil
    }

    /// The path of a Unix socket (empty for an unnamed one); nil for IP addresses.
    public var path: String? {
        guard case .unix(var address, let length) = storage else { return nil }
        let count = Int(length) - MemoryLayout<sa_family_t>.size
        guard count > 0 else { return "" }
        return withUnsafeBytes(of: &address.sun_path) { raw in
            var bytes = Array(raw.prefix(count))
            if bytes.first != 0, let end = bytes.firstIndex(of: 0) { bytes.removeSubrange(end...) }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// The same address with another port (IP addresses only; a Unix address is
    /// returned as it is). Throws `InvalidArgumentError` for a port outside 0–65535.
    public func withPort(_ port: Int) throws(InvalidArgumentError) -> SocketAddress {
        let port = try Self.checkedPort(port)
        var copy = self
        switch storage {
        case .ipv4(var address):
            address.sin_port = in_port_t(port.bigEndian)
            copy.storage = .ipv4(address)
        case .ipv6(var address):
            address.sin6_port = in_port_t(port.bigEndian)
            copy.storage = .ipv6(address)
        case .unix:
            break
        }
        return copy
    }

    /// Calls `body` with the C form of the address.
    public func withSockAddr<R, E: Error>(
        _ body: (UnsafePointer<sockaddr>, socklen_t) throws(E) -> R
    ) throws(E) -> R {
        switch storage {
        case .ipv4(var address):
            return try withUnsafePointer(to: &address) { pointer throws(E) in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa throws(E) in
                    try body(sa, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .ipv6(var address):
            return try withUnsafePointer(to: &address) { pointer throws(E) in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa throws(E) in
                    try body(sa, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        case .unix(var address, let length):
            return try withUnsafePointer(to: &address) { pointer throws(E) in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa throws(E) in
                    try body(sa, length)
                }
            }
        }
    }

    /// asyncio's tuple form: `('127.0.0.1', 8080)`, `('::1', 8080, 0, 0)`, or `'/path'`.
    public var description: String {
        switch storage {
        case .ipv4: "('\(host)', \(port!))"
        case .ipv6: "('\(host)', \(port!), \(flowInfo!), \(scopeID!))"
        case .unix: "'\(path!)'"
        }
    }

    private var bytes: [UInt8] {
        withSockAddr { address, length in
            Array(UnsafeRawBufferPointer(start: address, count: Int(length)))
        }
    }

    /// Whether both are the same address: the same family and bytes of the C `sockaddr`.
    public static func == (lhs: SocketAddress, rhs: SocketAddress) -> Bool {
        lhs.bytes == rhs.bytes
    }

    /// Hashes the bytes of the C `sockaddr`, as `==` compares them.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(bytes)
    }
}

/// A text that is not the address it was meant to be (a bad IP literal or path). A port
/// out of range is an `InvalidArgumentError` instead (`SocketAddress.checkedPort`).
public struct AddressParseError: Error, Sendable, CustomStringConvertible {
    /// The text that failed to parse.
    public var text: String
    /// Why it is not an address.
    public var reason: String

    /// "invalid address 'TEXT': REASON".
    public var description: String { "invalid address '\(text)': \(reason)" }
}
