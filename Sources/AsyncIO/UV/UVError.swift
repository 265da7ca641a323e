import CLibUV
import Glibc

/// The one convention for libuv's errors: the wrappers in UV/ hand libuv's status on
/// (0 or a negative `-errno`, as libuv reports on Unix), never a positive errno, and these
/// initializers are the one place a status becomes an `OSError`.
extension OSError {
    /// A failed I/O call reported by a libuv status: Python's `OSError(errno, strerror)`
    /// (`[Errno 104] Connection reset by peer`), as asyncio's transports receive it.
    init(uvStatus status: Int32) {
        self.init(errno: -status, message: OSError.strerror(-status))
    }

    /// A failed `operation` reported by a libuv status: `uv_read_start: Bad file descriptor`.
    init(uvStatus status: Int32, operation: String) {
        self.init(errno: -status, operation: operation)
    }

    /// A file or program that could not be used, by a libuv status: Python's form with the
    /// file name, `[Errno 2] No such file or directory: 'name'`.
    init(uvStatus status: Int32, path: String) {
        self.init(errno: -status, path: path)
    }
}

extension AddressResolutionError {
    /// A resolver failure from a libuv `UV_EAI_*` status, reported with the C library's
    /// `EAI_*` code and message, as Python's `socket.gaierror` is.
    init(uvStatus status: Int32, host: String?) {
        let code: Int32
        switch status {
        case UV_EAI_ADDRFAMILY.rawValue: code = -9 // EAI_ADDRFAMILY, a GNU extension Swift does not import
        case UV_EAI_AGAIN.rawValue: code = EAI_AGAIN
        case UV_EAI_BADFLAGS.rawValue: code = EAI_BADFLAGS
        case UV_EAI_FAIL.rawValue: code = EAI_FAIL
        case UV_EAI_FAMILY.rawValue: code = EAI_FAMILY
        case UV_EAI_MEMORY.rawValue: code = EAI_MEMORY
        case UV_EAI_NODATA.rawValue: code = -5 // EAI_NODATA, a GNU extension Swift does not import
        case UV_EAI_NONAME.rawValue: code = EAI_NONAME
        case UV_EAI_SERVICE.rawValue: code = EAI_SERVICE
        case UV_EAI_SOCKTYPE.rawValue: code = EAI_SOCKTYPE
        default: code = EAI_SYSTEM
        }
        if code == EAI_SYSTEM {
            self.init(code: code, message: String(cString: uv_strerror(status)), host: host)
        } else {
            self.init(code: code, host: host)
        }
    }
}
