import Glibc

/// The work other threads hand to a loop, behind a pthread mutex.
///
/// A pthread mutex rather than the standard library's `Mutex`: on Linux that one parks
/// on futexes directly, which ThreadSanitizer cannot see, so every hand-over through it
/// (a `callSoonThreadsafe` callback, a job enqueued from another thread) would be
/// reported as a race. This is not a hot path: the loop's own thread never takes it.
final class Inbox: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var items: [ReadyItem] = []
    private var isClosed = false

    init() {
        pthread_mutex_init(&mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(&mutex)
    }

    /// Appends `item`; returns whether the loop must be woken (the inbox was empty, so no
    /// wake-up is pending). After `close()` the item is dropped and no wake-up is asked
    /// for: the loop's wake-up handle and its descriptor are gone.
    func append(_ item: ReadyItem) -> Bool {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        guard !isClosed else { return false }
        items.append(item)
        return items.count == 1
    }

    /// Refuses items from now on (the loop is closing) and returns those still queued.
    func close() -> [ReadyItem] {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        isClosed = true
        let taken = items
        items.removeAll()
        return taken
    }

    /// Takes everything queued so far.
    func takeAll() -> [ReadyItem] {
        pthread_mutex_lock(&mutex)
        let taken = items
        items.removeAll(keepingCapacity: true)
        pthread_mutex_unlock(&mutex)
        return taken
    }
}
