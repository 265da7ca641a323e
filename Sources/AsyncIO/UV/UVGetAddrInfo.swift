import CLibUV
import Glibc

/// `uv_getaddrinfo`: the C resolver on libuv's thread pool, answered on the loop thread.
enum UVGetAddrInfo {
    private final class Request {
        let completion: (Result<[AddressInfo], AddressResolutionError>) -> Void
        let host: String?
        init(host: String?, completion: @escaping (Result<[AddressInfo], AddressResolutionError>) -> Void) {
            self.host = host
            self.completion = completion
        }
    }

    static func resolve(
        on loop: UVLoop,
        host: String?,
        service: String?,
        family: Int32,
        type: Int32,
        proto: Int32,
        flags: Int32,
        completion: @escaping (Result<[AddressInfo], AddressResolutionError>) -> Void
    ) {
        var hints = addrinfo()
        hints.ai_family = family
        hints.ai_socktype = type
        hints.ai_protocol = proto
        hints.ai_flags = flags
        let request = UnsafeMutablePointer<uv_getaddrinfo_t>.allocate(capacity: 1)
        request.pointee.data = Unmanaged.passRetained(Request(host: host, completion: completion)).toOpaque()
        let status = uv_getaddrinfo(loop.raw, request, { raw, status, result in
            let request = Unmanaged<Request>.fromOpaque(raw!.pointee.data!).takeRetainedValue()
            raw!.deallocate()
            guard status == 0 else {
                request.completion(.failure(AddressResolutionError(uvStatus: status, host: request.host)))
                return
            }
            var answers: [AddressInfo] = []
            var cursor = result
            while let entry = cursor {
                if let sockaddr = entry.pointee.ai_addr,
                   let address = SocketAddress(sockaddr, length: entry.pointee.ai_addrlen) {
                    let name = entry.pointee.ai_canonname.map { String(cString: $0) } ?? ""
                    answers.append(AddressInfo(
                        family: entry.pointee.ai_family,
                        type: entry.pointee.ai_socktype,
                        proto: entry.pointee.ai_protocol,
                        canonicalName: name,
                        address: address))
                }
                cursor = entry.pointee.ai_next
            }
            uv_freeaddrinfo(result)
            request.completion(.success(answers))
        }, host, service, &hints)
        if status != 0 {
            let pending = Unmanaged<Request>.fromOpaque(request.pointee.data!).takeRetainedValue()
            request.deallocate()
            pending.completion(.failure(AddressResolutionError(uvStatus: status, host: host)))
        }
    }
}
