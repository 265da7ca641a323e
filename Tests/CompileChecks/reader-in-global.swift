// expect-error: let 'sharedReader' is not concurrency-safe because non-'Sendable' type 'StreamReader?' may have shared mutable state
// A loop-bound object cannot live in a global.
import AsyncIO

let sharedReader: StreamReader? = nil
