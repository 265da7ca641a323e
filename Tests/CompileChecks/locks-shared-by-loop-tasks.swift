// expect: ok
// Tasks of one loop share a lock, a condition, a semaphore and an event: all loop-bound,
// none Sendable, no annotation needed.
import AsyncIO

func sharing(_ loop: isolated EventLoop) async throws {
    let lock = Lock(loop: loop)
    let condition = Condition(lock: lock)
    let slots = try BoundedSemaphore(value: 2, loop: loop)
    let ready = Event(loop: loop)
    var items: [Int] = []
    let consumer = loop.createTask {
        try await condition.withLock {
            try await condition.waitFor { !items.isEmpty }
            items.removeFirst()
        }
        ready.set()
    }
    let producer = loop.createTask {
        try await slots.withLock {
            try await condition.withLock {
                items.append(1)
                try condition.notify()
            }
        }
    }
    try await producer.value
    try await ready.wait()
    try await consumer.value
}
