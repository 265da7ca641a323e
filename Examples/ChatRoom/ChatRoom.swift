import AsyncIO

/// A chat room where a slow reader never stalls the others: every member has an outbox,
/// a bounded `Queue` of lines, drained to its socket by a writer task of its own.
///
/// Broadcasting never waits: the room puts each line in every other member's outbox with
/// `putNowait`. A member whose outbox is full (`QueueFull`) has fallen `outboxSize` lines
/// behind the room; it is dropped, with a log line: its outbox is shut down at once and
/// its connection aborted (the bytes still buffered for it are discarded, since it is not
/// reading them). A chat server cannot hold lines forever for a reader that does not
/// read, and making the speakers wait for it would stall the room; dropping old lines
/// instead would silently corrupt the conversation it sees. So what one member costs is
/// bounded: `outboxSize` lines, plus the transport's write buffer (its high-water mark),
/// plus the kernel's socket buffers.
///
/// Everything runs on the loop: the handlers, the writer tasks and the room share this
/// plain class with no lock.
final class ChatRoom {
    /// A connected client: its writer, its outbox, and what it queued at most.
    final class Member {
        let name: String
        let writer: StreamWriter
        let outbox: Queue<[UInt8]>
        /// The most lines its outbox held at once (never more than `outboxSize`).
        var peakOutbox = 0

        init(name: String, writer: StreamWriter, outbox: Queue<[UInt8]>) {
            self.name = name
            self.writer = writer
            self.outbox = outbox
        }
    }

    let loop: EventLoop
    /// How many lines a member may fall behind before it is dropped.
    let outboxSize: Int
    private(set) var members: [Member] = []
    /// The names of the members dropped as slow, in order.
    private(set) var dropped: [String] = []
    private let log: (String) -> Void

    init(loop: EventLoop, outboxSize: Int = 256, log: @escaping (String) -> Void = { print($0) }) {
        self.loop = loop
        self.outboxSize = outboxSize
        self.log = log
    }

    /// Serves one client until it leaves or is dropped: the body of a `startServer`
    /// handler (`loop` is the room's, `isolated` so the member's writer task is started
    /// as the loop's code). Each line it sends goes to every other member.
    func serve(_ loop: isolated EventLoop, _ reader: StreamReader, _ writer: StreamWriter) async throws {
        precondition(loop === self.loop, "ChatRoom.serve must run on the room's loop")
        let member = join(loop, writer)
        let pump = loop.createTask { try await self.drain(member) }
        do {
            for try await line in reader { broadcast(line, from: member) }
        } catch is OSError {
            // Reset by the peer, or aborted because it was dropped: it is gone either way.
        }
        leave(member)
        _ = await pump.result
        writer.close()
    }

    private func join(_ loop: isolated EventLoop, _ writer: StreamWriter) -> Member {
        let peer = (writer.getExtraInfo("peername") as? SocketAddress).map { "\($0)" } ?? "a client"
        let member = Member(name: peer, writer: writer, outbox: Queue(maxsize: outboxSize, loop: loop))
        members.append(member)
        log("\(member.name) joined (\(members.count) in the room)")
        return member
    }

    /// A member that left on its own: what is still in its outbox is sent first.
    private func leave(_ member: Member) {
        guard let index = members.firstIndex(where: { $0 === member }) else { return }
        members.remove(at: index)
        member.outbox.shutdown()
        log("\(member.name) left (\(members.count) in the room)")
    }

    /// Puts `line` in every other member's outbox, never waiting; drops those whose
    /// outbox is full.
    func broadcast(_ line: [UInt8], from sender: Member) {
        var slow: [Member] = []
        for member in members where member !== sender {
            do {
                try member.outbox.putNowait(line)
                member.peakOutbox = max(member.peakOutbox, member.outbox.qsize)
            } catch is QueueFull {
                slow.append(member)
            } catch {
                // QueueShutDown: it is leaving already.
            }
        }
        for member in slow { drop(member) }
    }

    private func drop(_ member: Member) {
        members.removeAll { $0 === member }
        dropped.append(member.name)
        log("dropping \(member.name): \(outboxSize) lines waiting for it, it is not reading")
        member.outbox.shutdown(immediate: true)
        member.writer.transport.abort()
    }

    /// The member's writer task: sends its outbox in order, waiting for its socket (and
    /// only its own) when the socket is slow. Ends when the outbox is shut down.
    nonisolated(nonsending) private func drain(_ member: Member) async throws {
        do {
            while true {
                let line = try await member.outbox.get()
                member.writer.write(line)
                try await member.writer.drain()
            }
        } catch is QueueShutDown {
        } catch is OSError {
            // The connection broke; its reader ends too and the handler cleans up.
        }
    }
}
