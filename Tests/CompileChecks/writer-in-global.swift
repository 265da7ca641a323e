// expect-error: is not concurrency-safe
// A loop-bound object cannot live in a global.
import AsyncIO

nonisolated(nonsending) func remember(_ writer: StreamWriter) async {}
var lastWriter: StreamWriter?
