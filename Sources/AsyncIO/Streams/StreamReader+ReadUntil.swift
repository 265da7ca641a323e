/// What `readUntil` looks for; a newline gets `memchr` and no array.
private enum Separators {
    case byte(UInt8)
    case sequence([UInt8])
    /// Sorted by length, shortest first (asyncio sorts the tuple that way).
    case many([[UInt8]])
}

private let newline: UInt8 = 10

extension StreamReader {
    /// Reads one line, up to and including `\n` (asyncio's `readline()`).
    ///
    /// At EOF returns the incomplete last line without newline, or an empty array when
    /// nothing is left. A line longer than `limit` (not counting the newline) throws
    /// `StreamError.lineLimitOverrun` (asyncio's `ValueError`) after dropping the line from
    /// the buffer when its newline was found, or the whole buffer when it was not.
    /// Throws the reader's `exception` if one is set.
    nonisolated(nonsending) public func readLine() async throws -> [UInt8] {
        loop.assertOnLoopThread()
        do {
            return try await readUntil(.byte(newline), minLength: 1, maxLength: 1)
        } catch let error as IncompleteReadError {
            return error.partial
        } catch let error as LimitOverrunError {
            if error.consumed < buffer.count, buffer[error.consumed] == newline {
                buffer.discard(error.consumed + 1)
            } else {
                buffer.clear()
            }
            maybeResumeTransport()
            throw StreamError.lineLimitOverrun(message: error.message)
        }
    }

    /// Reads up to and including `separator` (asyncio's `readuntil(separator=b'\n')`).
    ///
    /// - Throws `IncompleteReadError` with every buffered byte (the buffer is emptied)
    ///   when the stream ends before the separator.
    /// - Throws `LimitOverrunError` when the data before the separator would exceed
    ///   `limit`; the data stays in the buffer.
    /// - Throws `StreamError.emptySeparator` for an empty separator, and the reader's
    ///   `exception` if one is set.
    nonisolated(nonsending) public func readUntil(_ separator: [UInt8] = [10]) async throws -> [UInt8] {
        loop.assertOnLoopThread()
        guard !separator.isEmpty else { throw StreamError.emptySeparator }
        if separator.count == 1 {
            return try await readUntil(.byte(separator[0]), minLength: 1, maxLength: 1)
        }
        return try await readUntil(.sequence(separator), minLength: separator.count, maxLength: separator.count)
    }

    /// Reads up to and including the first of several separators (asyncio 3.13's
    /// `readuntil((sep1, sep2, ...))`): the shortest result that ends with any of them;
    /// for `LimitOverrunError` the shortest separator that matched counts.
    ///
    /// Throws `StreamError.noSeparator` for an empty list and `StreamError.emptySeparator`
    /// if any separator is empty; otherwise as `readUntil(_:)`.
    nonisolated(nonsending) public func readUntil(anyOf separators: [[UInt8]]) async throws -> [UInt8] {
        loop.assertOnLoopThread()
        guard !separators.isEmpty else { throw StreamError.noSeparator }
        // Stable by length, as Python's sorted(key=len).
        let sorted = separators.enumerated()
            .sorted { ($0.element.count, $0.offset) < ($1.element.count, $1.offset) }
            .map(\.element)
        let shortest = sorted.first!.count
        let longest = sorted.last!.count
        guard shortest > 0 else { throw StreamError.emptySeparator }
        if sorted.count == 1 {
            return try await readUntil(sorted[0])
        }
        return try await readUntil(.many(sorted), minLength: shortest, maxLength: longest)
    }

    private func find(_ separators: Separators, from offset: Int) -> (start: Int, end: Int)? {
        switch separators {
        case .byte(let byte):
            guard let start = buffer.firstIndex(of: byte, from: offset) else { return nil }
            return (start, start + 1)
        case .sequence(let separator):
            guard let start = buffer.firstIndex(of: separator, from: offset) else { return nil }
            return (start, start + separator.count)
        case .many(let list):
            return buffer.firstMatch(of: list, from: offset)
        }
    }

    /// asyncio's `readuntil` loop. `offset` is where the next search starts: bytes before
    /// it were searched already and cannot begin a separator.
    nonisolated(nonsending) private func readUntil(_ separators: Separators, minLength: Int, maxLength: Int) async throws -> [UInt8] {
        if let exception { throw exception }
        var offset = 0
        var match: (start: Int, end: Int)
        while true {
            let length = buffer.count
            if length - offset >= minLength {
                if let found = find(separators, from: offset) {
                    match = found
                    break
                }
                // The last maxLength - 1 bytes may hold the start of the longest separator.
                offset = Swift.max(0, length + 1 - maxLength)
                if offset > limit {
                    throw LimitOverrunError(
                        message: "Separator is not found, and chunk exceed the limit", consumed: offset)
                }
            }
            // A complete separator may have arrived with EOF: check the buffer first.
            if eof {
                throw IncompleteReadError(partial: buffer.takeAll(), expected: nil)
            }
            try await waitForData("readuntil")
        }
        if match.start > limit {
            throw LimitOverrunError(
                message: "Separator is found, but chunk is longer than limit", consumed: match.start)
        }
        let chunk = buffer.take(match.end)
        maybeResumeTransport()
        return chunk
    }
}
