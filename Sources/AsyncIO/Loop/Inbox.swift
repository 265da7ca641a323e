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

    init() {
        pthread_mutex_init(&mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(&mutex)
    }

    /// Appends `item`; returns whether the inbox was empty before (no wake-up pending).
    func append(_ item: ReadyItem) -> Bool {
        pthread_mutex_lock(&mutex)
        items.append(item)
        let wasEmpty = items.count == 1
        pthread_mutex_unlock(&mutex)
        return wasEmpty
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
