/// Where a `LoopQueue` keeps its items, and so the order it hands them out in: asyncio's
/// overridable `_init`, `_put` and `_get` (a `Queue` subclass changes only those three).
///
/// The queue does all the waiting, `maxsize`, task accounting and shutdown; a storage only
/// stores. Conform a type of your own to get another order with the same queue behaviour.
public protocol QueueStorage<Element> {
    /// The type of the items.
    associatedtype Element: Sendable

    /// An empty storage (asyncio's `_init`).
    init()

    /// How many items are stored (asyncio's `len(self._queue)`).
    var count: Int { get }

    /// Stores `element` (asyncio's `_put`).
    mutating func push(_ element: Element)

    /// Removes and returns the next item; called only when `count > 0` (asyncio's `_get`).
    mutating func pop() -> Element

    /// The items in storage order, for the queue's `description` (asyncio's `_queue` in
    /// its repr: a heap for a priority queue, so not necessarily in `pop` order).
    var contents: [Element] { get }

    /// The type name the queue's `description` starts with ("Queue", "LifoQueue", ...).
    static var queueName: String { get }
}

extension QueueStorage {
    /// The storage's own type name, for storages that do not name their queue.
    public static var queueName: String { String(describing: Self.self) }
}
