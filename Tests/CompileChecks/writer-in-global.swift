// expect-error: let 'lastWriter' is not concurrency-safe because non-'Sendable' type 'StreamWriter?' may have shared mutable state
// A loop-bound object cannot live in a global (a `var` global is refused for any type;
// a `let` of a writer is refused because the writer is not Sendable).
import AsyncIO

let lastWriter: StreamWriter? = nil
