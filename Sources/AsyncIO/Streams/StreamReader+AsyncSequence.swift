extension StreamReader: AsyncSequence {
    /// A line, newline included (the last one may lack it).
    public typealias Element = [UInt8]

    /// Yields `readLine()` results until EOF: asyncio's `async for line in reader`.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let reader: StreamReader

        /// The next line, or nil at EOF (asyncio's `__anext__`). Throws what `readLine`
        /// throws.
        public mutating func next() async throws -> [UInt8]? {
            let line = try await reader.readLine()
            return line.isEmpty ? nil : line
        }

        /// `next()` on the caller's executor (what `for try await` calls).
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> [UInt8]? {
            let line = try await reader.readLine()
            return line.isEmpty ? nil : line
        }
    }

    /// An iterator over the reader's lines (asyncio's `__aiter__`).
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(reader: self)
    }
}
