// expect: ok
// README's "Locks and events" example, as written there (inside a function, as a file of
// its own would run it at top level).
import AsyncIO

func locksAndEvents() throws {
    try EventLoop.run { loop in
        let start = Event(loop: loop)
        let slots = try Semaphore(value: 2, loop: loop)    // at most two inside at once
        let lock = Lock(loop: loop)
        var balance = 0
        let workers = (1...4).map { n in
            loop.createTask {
                try await start.wait()                     // all wait for the go
                try await slots.withLock {                 // async with slots:
                    try await lock.withLock {              // async with lock:
                        let seen = balance
                        try await loop.sleep(.milliseconds(1))   // others run here
                        balance = seen + n                 // and no update is lost
                    }
                }
            }
        }
        start.set()
        for worker in workers { try await worker.value }
        print(balance)   // 10
    }
}
