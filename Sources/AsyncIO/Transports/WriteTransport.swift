/// A transport that sends bytes: asyncio's `WriteTransport`.
///
/// Writes never block: what the socket does not take at once is buffered. Above the high
/// water mark the protocol's `pauseWriting` is called, at or below the low mark
/// `resumeWriting`.
public protocol WriteTransport: BaseTransport {
    /// Sets the flow-control marks (asyncio's `set_write_buffer_limits(high, low)`):
    /// nil high → 64 KiB (or 4 × low when only low is given), nil low → high / 4.
    /// Throws if `high < low` or either is negative.
    func setWriteBufferLimits(high: Int?, low: Int?) throws

    /// Bytes buffered and not yet sent (asyncio's `get_write_buffer_size()`).
    var writeBufferSize: Int { get }

    /// The flow-control marks (asyncio's `get_write_buffer_limits()`).
    var writeBufferLimits: (low: Int, high: Int) { get }

    /// Sends `data`, buffering what the socket does not take at once (asyncio's `write`).
    /// Writing after `writeEOF()` is a programmer error; after the connection was lost the
    /// data is dropped (with a warning after a few attempts).
    func write(_ data: UnsafeRawBufferPointer)

    /// Sends `data` (asyncio's `write`); see `write(_: UnsafeRawBufferPointer)`.
    func write(_ data: [UInt8])

    /// Sends several buffers in one vectored write (asyncio's `writelines`).
    func writeLines(_ lines: [[UInt8]])

    /// Closes the write side once the buffer is flushed (asyncio's `write_eof`).
    func writeEOF()

    /// Whether `writeEOF` is supported (asyncio's `can_write_eof`).
    var canWriteEOF: Bool { get }

    /// Closes at once, dropping buffered data; `connectionLost(nil)` follows later
    /// (asyncio's `abort`).
    func abort()
}
