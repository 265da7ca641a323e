import CAsyncIOSupport
import Glibc

/// Process-wide settings a networking process needs, made once, when the first loop is
/// created.
enum ProcessSetup {
    /// Ignores SIGPIPE, as CPython does: a peer that closes mid-write must produce an
    /// error (EPIPE), not kill the process.
    ///
    /// Keeps glibc's malloc from handing memory back to the kernel after every large
    /// buffer. By default glibc trims the heap as soon as 128 KiB at its top are free,
    /// and the thresholds adapt only after an mmap-sized block is freed; a server that
    /// allocates and frees 64 KiB buffers per message (received arrays, copies of
    /// unsent writes) then pays a page fault per 4 KiB on every message. Measured with
    /// `asyncio-echo --mode sockets`, 100 KiB requests over 10 connections: 148,000 page
    /// faults per second and 14,552 req/s with glibc's defaults; 32 faults and 29,362 req/s
    /// with both thresholds raised to 64 MiB through `GLIBC_TUNABLES` (BENCHMARKS.md).
    /// The heap keeps up to `trimThreshold` free bytes instead.
    /// Skipped when the process sets `GLIBC_TUNABLES` (its owner chose the allocator's
    /// behaviour) or `ASYNCIO_KEEP_MALLOC_DEFAULTS`.
    static let done: Void = {
        signal(SIGPIPE, SIG_IGN)
        if getenv("GLIBC_TUNABLES") == nil, getenv("ASYNCIO_KEEP_MALLOC_DEFAULTS") == nil {
            _ = asyncio_set_malloc_thresholds(trimThreshold, mmapThreshold)
        }
    }()

    /// Free bytes the heap may keep at its top (glibc's default: 128 KiB, adaptive).
    static let trimThreshold: Int32 = 32 << 20
    /// Allocations from this size up get their own mapping (glibc's default: 128 KiB,
    /// adaptive); below it they come from the heap and are reused.
    static let mmapThreshold: Int32 = 4 << 20
}
