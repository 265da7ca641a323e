// expect-error: stored property 'writer' of 'Sendable'-conforming struct 'Holder' has non-Sendable type 'StreamWriter'
// A loop-bound object cannot be stored in a Sendable type.
import AsyncIO

struct Holder: Sendable {
    let writer: StreamWriter
}
