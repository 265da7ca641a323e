import Glibc

extension EventLoop {
    /// Resolves `host` and `port` to socket addresses: asyncio's `loop.getaddrinfo`.
    ///
    /// A literal IPv4 or IPv6 address (without `AI_CANONNAME`) is answered at once, with no
    /// trip through the thread pool; anything else goes to the C resolver on libuv's pool.
    /// Failures throw `AddressResolutionError` with the resolver's `EAI_*` code; a port
    /// outside 0–65535 throws `InvalidArgumentError` before anything is asked (the C
    /// resolver would cut 70000 to 4464, and Python's getaddrinfo passes that through).
    public func getAddrInfo(
        host: String?, port: Int?,
        family: Int32 = AF_UNSPEC, type: Int32 = 0, proto: Int32 = 0, flags: Int32 = 0
    ) async throws -> [AddressInfo] {
        if let port { _ = try SocketAddress.checkedPort(port) }
        return try await getAddrInfo(host: host, service: port.map { String($0) },
                              family: family, type: type, proto: proto, flags: flags)
    }

    /// `getAddrInfo` with a service name (`"http"`) or numeric text instead of a port.
    /// Numeric text is a port and is checked as one (`InvalidArgumentError` outside
    /// 0–65535).
    public func getAddrInfo(
        host: String?, service: String?,
        family: Int32 = AF_UNSPEC, type: Int32 = 0, proto: Int32 = 0, flags: Int32 = 0
    ) async throws -> [AddressInfo] {
        assertOnLoopThread()
        if let service, !service.isEmpty, service.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            // Digits beyond Int's range are out of range too.
            _ = try SocketAddress.checkedPort(Int(service) ?? .max)
        }
        if let answers = Self.literalAddressInfo(host: host, service: service, family: family,
                                                 type: type, proto: proto, flags: flags) {
            return answers
        }
        resolverRequestCount += 1
        return try await suspend { (waiter: LoopWaiter<[AddressInfo]>) in
            UVGetAddrInfo.resolve(on: uv, host: host, service: service, family: family,
                                  type: type, proto: proto, flags: flags) { result in
                waiter.resume(with: result.mapError { $0 })
            }
        }
    }

    /// Looks up the host and service names of `address`: asyncio's `loop.getnameinfo`.
    public func getNameInfo(_ address: SocketAddress, flags: Int32 = 0) async throws -> (host: String, service: String) {
        assertOnLoopThread()
        resolverRequestCount += 1
        return try await suspend { (waiter: LoopWaiter<NameInfo>) in
            UVGetNameInfo.lookup(on: uv, address: address, flags: flags) { result in
                waiter.resume(with: result.map { NameInfo(host: $0.host, service: $0.service) }.mapError { $0 })
            }
        }.tuple
    }

    /// What `getaddrinfo` would answer for a literal IP address, without asking it
    /// (asyncio's `_ipaddr_info` fast path, extended to the socket types it lists).
    static func literalAddressInfo(
        host: String?, service: String?, family: Int32, type: Int32, proto: Int32, flags: Int32
    ) -> [AddressInfo]? {
        guard let host, flags & AI_CANONNAME == 0 else { return nil }
        let port: Int
        if let service {
            guard let number = Int(service), (try? SocketAddress.checkedPort(number)) != nil else { return nil }
            port = number
        } else {
            port = 0
        }
        guard let address = try? SocketAddress(host: host, port: port) else { return nil }
        guard family == AF_UNSPEC || family == address.family else { return nil }
        let kinds: [(type: Int32, proto: Int32)]
        switch type {
        case 0: kinds = [(Int32(SOCK_STREAM.rawValue), Int32(IPPROTO_TCP)),
                         (Int32(SOCK_DGRAM.rawValue), Int32(IPPROTO_UDP)),
                         (Int32(SOCK_RAW.rawValue), 0)]
        case Int32(SOCK_STREAM.rawValue): kinds = [(type, Int32(IPPROTO_TCP))]
        case Int32(SOCK_DGRAM.rawValue): kinds = [(type, Int32(IPPROTO_UDP))]
        default: return nil
        }
        let matching = kinds.filter { proto == 0 || $0.proto == proto }
        guard !matching.isEmpty else { return nil }
        return matching.map { AddressInfo(family: address.family, type: $0.type, proto: $0.proto, address: address) }
    }
}

private struct NameInfo: Sendable {
    var host: String
    var service: String
    var tuple: (host: String, service: String) { (host, service) }
}
