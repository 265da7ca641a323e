import Glibc

/// The receive buffer of a `StreamReader`: contiguous bytes with a read index.
///
/// Readable bytes are `storage[readIndex..<writeIndex]`. Consuming moves `readIndex`
/// forward (never shifts bytes, unlike `removeFirst` on an array); when everything is
/// consumed both indices go back to zero, so the common "fill, consume all" pattern
/// reads into the start of the storage every time. Bytes are moved to the front only
/// when the read index passes half the capacity, or when the tail is too small for the
/// next read and moving makes room without growing.
///
/// The writable tail can be handed out (`reserveTail` / `commitTail`) so a transport reads
/// from the socket straight into the buffer. Noncopyable: it owns its storage.
struct ByteBuffer: ~Copyable {
    private var storage: UnsafeMutableRawPointer
    private(set) var capacity: Int
    private var readIndex = 0
    private var writeIndex = 0

    init(capacity: Int = 0) {
        self.capacity = max(capacity, 0)
        // A zero-byte allocation still gives a unique pointer to free later.
        storage = .allocate(byteCount: self.capacity, alignment: 1)
    }

    deinit {
        storage.deallocate()
    }

    /// Number of readable bytes.
    @inline(__always)
    var count: Int { writeIndex - readIndex }

    @inline(__always)
    var isEmpty: Bool { writeIndex == readIndex }

    /// The readable bytes, valid until the next mutation.
    @inline(__always)
    var readableBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: storage + readIndex, count: count)
    }

    // MARK: Writing

    /// Appends a copy of `bytes`.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        let tail = reserveTail(minimum: bytes.count)
        tail.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        writeIndex += bytes.count
    }

    /// Appends a copy of `bytes`.
    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The writable tail, at least `minimum` bytes (compacting or growing as needed).
    /// Write into its start, then call `commitTail` with the number of bytes written;
    /// the pointer is valid until the next mutation.
    mutating func reserveTail(minimum: Int) -> UnsafeMutableRawBufferPointer {
        precondition(minimum >= 0)
        if capacity - writeIndex < minimum || readIndex > capacity / 2 {
            makeRoom(minimum)
        }
        return UnsafeMutableRawBufferPointer(start: storage + writeIndex, count: capacity - writeIndex)
    }

    /// Marks `count` bytes at the start of the tail from `reserveTail` as written.
    @inline(__always)
    mutating func commitTail(_ count: Int) {
        precondition(count >= 0 && count <= capacity - writeIndex, "commitTail beyond the reserved tail")
        writeIndex += count
    }

    private mutating func makeRoom(_ minimum: Int) {
        let readable = count
        if readable + minimum <= capacity {
            // Moving the readable bytes to the front is enough. Either the tail is short
            // (and the move is needed) or the read index passed half the capacity, so
            // fewer than half the bytes move: amortised O(1) per byte consumed.
            if readIndex > 0 {
                if readable > 0 { storage.copyMemory(from: storage + readIndex, byteCount: readable) }
                readIndex = 0
                writeIndex = readable
            }
            return
        }
        var newCapacity = max(capacity, 64)
        while newCapacity < readable + minimum { newCapacity *= 2 }
        let newStorage = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 1)
        if readable > 0 { newStorage.copyMemory(from: storage + readIndex, byteCount: readable) }
        storage.deallocate()
        storage = newStorage
        capacity = newCapacity
        readIndex = 0
        writeIndex = readable
    }

    /// Puts `bytes` back in front of the readable bytes, for a read that took them and
    /// then failed (a cancelled `read(-1)`). Off the hot path: it may reallocate.
    mutating func prepend(_ bytes: [UInt8]) {
        let n = bytes.count
        guard n > 0 else { return }
        if readIndex < n {
            // No room before the readable bytes: move them into storage that has it.
            let readable = count
            let newCapacity = max(capacity, n + readable)
            let newStorage = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 1)
            if readable > 0 { (newStorage + n).copyMemory(from: storage + readIndex, byteCount: readable) }
            storage.deallocate()
            storage = newStorage
            capacity = newCapacity
            readIndex = n
            writeIndex = n + readable
        }
        readIndex -= n
        bytes.withUnsafeBytes { (storage + readIndex).copyMemory(from: $0.baseAddress!, byteCount: n) }
    }

    // MARK: Reading

    /// Removes the first `n` bytes (`n <= count`) and returns them: one copy.
    mutating func take(_ n: Int) -> [UInt8] {
        assert(n >= 0 && n <= count)
        guard n > 0 else { return [] }
        let source = storage + readIndex
        let bytes = [UInt8](unsafeUninitializedCapacity: n) { destination, initialized in
            UnsafeMutableRawPointer(destination.baseAddress!).copyMemory(from: source, byteCount: n)
            initialized = n
        }
        discard(n)
        return bytes
    }

    /// Removes every readable byte and returns them.
    mutating func takeAll() -> [UInt8] { take(count) }

    /// Drops the first `n` bytes (`n <= count`).
    @inline(__always)
    mutating func discard(_ n: Int) {
        assert(n >= 0 && n <= count)
        readIndex += n
        if readIndex == writeIndex {
            readIndex = 0
            writeIndex = 0
        }
    }

    /// Drops every readable byte.
    mutating func clear() {
        readIndex = 0
        writeIndex = 0
    }

    /// The byte at `offset` from the first readable byte.
    @inline(__always)
    subscript(offset: Int) -> UInt8 {
        assert(offset >= 0 && offset < count)
        return storage.load(fromByteOffset: readIndex + offset, as: UInt8.self)
    }

    /// The readable bytes as an array, without consuming them (tests and descriptions).
    var bytes: [UInt8] { Array(readableBytes) }

    // MARK: Searching

    /// The offset of the first `byte` at or after `offset`: `memchr`.
    func firstIndex(of byte: UInt8, from offset: Int = 0) -> Int? {
        let length = count - offset
        guard length > 0 else { return nil }
        let start = storage + readIndex + offset
        guard let found = memchr(start, Int32(byte), length) else { return nil }
        return offset + (UnsafeRawPointer(found) - UnsafeRawPointer(start))
    }

    /// The offset of the first occurrence of `separator` (non-empty) at or after `offset`:
    /// `memchr` for its first byte, then a compare.
    func firstIndex(of separator: UnsafeRawBufferPointer, from offset: Int = 0) -> Int? {
        let length = separator.count
        assert(length > 0)
        let first = separator[0]
        if length == 1 { return firstIndex(of: first, from: offset) }
        let last = count - length   // last offset where the separator fits
        var position = offset
        while position <= last {
            let start = storage + readIndex + position
            guard let found = memchr(start, Int32(first), last - position + 1) else { return nil }
            let candidate = position + (UnsafeRawPointer(found) - UnsafeRawPointer(start))
            if memcmp(storage + readIndex + candidate, separator.baseAddress!, length) == 0 {
                return candidate
            }
            position = candidate + 1
        }
        return nil
    }

    /// The offset of the first occurrence of `separator` at or after `offset`.
    func firstIndex(of separator: [UInt8], from offset: Int = 0) -> Int? {
        separator.withUnsafeBytes { firstIndex(of: $0, from: offset) }
    }

    /// Among `separators` (sorted by length, shortest first, none empty), the match that
    /// ends first at or after `offset`; on equal ends the shorter separator wins (asyncio
    /// 3.13's `readuntil` with a tuple). Returns its start and end offsets.
    func firstMatch(of separators: [[UInt8]], from offset: Int) -> (start: Int, end: Int)? {
        var best: (start: Int, end: Int)?
        for separator in separators {
            guard let start = firstIndex(of: separator, from: offset) else { continue }
            let end = start + separator.count
            if best == nil || end < best!.end { best = (start, end) }
        }
        return best
    }
}
