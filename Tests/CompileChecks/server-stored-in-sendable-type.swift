// expect-error: stored property 'main' of 'Sendable'-conforming struct 'Servers' has non-Sendable type 'Server'
// A server cannot be stored in a Sendable type.
import AsyncIO

struct Servers: Sendable {
    let main: Server
}
