// expect-error: sending 'event' risks causing data races
// An event the loop waits on may not be handed to another actor to set from its executor.
import AsyncIO

actor Notifier {
    func fire(_ event: Event) { event.set() }
}

func misuse(_ loop: isolated EventLoop, _ notifier: Notifier) async throws {
    let event = Event(loop: loop)
    let waiter = loop.createTask { try await event.wait() }
    await notifier.fire(event)
    try await waiter.value
}
