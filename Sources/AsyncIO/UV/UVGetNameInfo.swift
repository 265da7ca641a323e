import CLibUV
import Glibc

/// `uv_getnameinfo`: reverse lookup on libuv's thread pool, answered on the loop thread.
enum UVGetNameInfo {
    private final class Request {
        let completion: (Result<(host: String, service: String), AddressResolutionError>) -> Void
        init(completion: @escaping (Result<(host: String, service: String), AddressResolutionError>) -> Void) {
            self.completion = completion
        }
    }

    static func lookup(
        on loop: UVLoop,
        address: SocketAddress,
        flags: Int32,
        completion: @escaping (Result<(host: String, service: String), AddressResolutionError>) -> Void
    ) {
        let request = UnsafeMutablePointer<uv_getnameinfo_t>.allocate(capacity: 1)
        request.pointee.data = Unmanaged.passRetained(Request(completion: completion)).toOpaque()
        let status = address.withSockAddr { sockaddr, _ in
            uv_getnameinfo(loop.raw, request, { raw, status, host, service in
                let request = Unmanaged<Request>.fromOpaque(raw!.pointee.data!).takeRetainedValue()
                // `host` and `service` point into the request itself: read them first.
                let names = status == 0 ? host.flatMap { host in
                    service.map { (String(cString: host), String(cString: $0)) }
                } : nil
                raw!.deallocate()
                guard let names else {
                    request.completion(.failure(AddressResolutionError(uvStatus: status, host: nil)))
                    return
                }
                request.completion(.success(names))
            }, sockaddr, flags)
        }
        if status != 0 {
            let pending = Unmanaged<Request>.fromOpaque(request.pointee.data!).takeRetainedValue()
            request.deallocate()
            pending.completion(.failure(AddressResolutionError(uvStatus: status, host: nil)))
        }
    }
}
