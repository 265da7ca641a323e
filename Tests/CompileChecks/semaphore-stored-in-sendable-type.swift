// expect-error: stored property 'slots' of 'Sendable'-conforming struct 'Limits' has non-Sendable type 'Semaphore'
// Locks are not Sendable, so a Sendable type cannot carry one off its loop.
import AsyncIO

struct Limits: Sendable {
    let slots: Semaphore
}
