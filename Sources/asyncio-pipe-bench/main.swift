import AsyncIO
import Glibc

// Bytes through a child's pipes: writes `--mib` MiB into `cat`'s stdin, reads them back
// from its stdout, checks every byte, and prints the throughput as one JSON line.
//
//   asyncio-pipe-bench [--mib 256] [--layer protocol|streams]
//
// `protocol` uses subprocessExec with a SubprocessProtocol (writes paced by
// pauseWriting/resumeWriting); `streams` uses createSubprocessExec (write + drain, and
// read). Both cross the write pipe and the read pipe transports, which is what it
// measures (BENCHMARKS.md, "Subprocess pipes").

/// The byte at `offset` of the stream: a pattern that catches lost, repeated or
/// reordered chunks (the period, 251, is prime and no divisor of the chunk size).
@inline(__always) func patternByte(_ offset: Int) -> UInt8 { UInt8(truncatingIfNeeded: offset % 251) }

let chunkSize = 64 * 1024

func makeChunk(startingAt offset: Int, count: Int) -> [UInt8] {
    (0..<count).map { patternByte(offset + $0) }
}

/// The pattern from every start offset: `reference[k ..< k + n]` is the stream's bytes
/// from any offset ≡ k (mod 251), for n up to 1 MiB.
let reference: [UInt8] = makeChunk(startingAt: 0, count: 251 + 1024 * 1024)

/// Writes the stream's bytes `offset ..< offset + count` (copied by the transport only if
/// the pipe does not take them at once).
func writePattern(to transport: any WriteTransport, offset: Int, count: Int) {
    reference.withUnsafeBytes { transport.write(UnsafeRawBufferPointer(rebasing: $0[(offset % 251)...].prefix(count))) }
}

/// Checks received bytes against the pattern as they arrive (memcmp, so the check costs
/// little next to the transports it measures).
struct Checker {
    var received = 0
    var mismatches = 0
    mutating func check(_ bytes: [UInt8]) {
        var done = 0
        while done < bytes.count {
            let count = min(bytes.count - done, 1024 * 1024)
            let start = (received + done) % 251
            let equal = bytes.withUnsafeBytes { got in
                reference.withUnsafeBytes { want in
                    memcmp(got.baseAddress! + done, want.baseAddress! + start, count) == 0
                }
            }
            if !equal { mismatches += 1 }
            done += count
        }
        received += bytes.count
    }
}

/// The protocol layer: stdin written from `resumeWriting`, stdout checked in
/// `pipeDataReceived`.
final class PumpProtocol: SubprocessProtocol {
    let total: Int
    var written = 0
    var paused = false
    var checker = Checker()
    var stdin: (any WriteTransport)?
    /// Set once the child exited and both pipes closed (the transport's connectionLost).
    let finished: Future<Void>

    init(total: Int, finished: Future<Void>) {
        self.total = total
        self.finished = finished
    }

    func connectionMade(_ transport: any SubprocessTransport) {
        stdin = transport.getPipeTransport(0) as? any WriteTransport
        pump()
    }

    func pump() {
        guard let stdin else { return }
        while !paused, written < total {
            let count = min(chunkSize, total - written)
            writePattern(to: stdin, offset: written, count: count)
            written += count
        }
        if written == total { stdin.close() }
    }

    func pauseWriting() { paused = true }
    func resumeWriting() {
        paused = false
        pump()
    }

    func pipeDataReceived(fd: Int32, data: [UInt8]) {
        if fd == 1 { checker.check(data) }
    }

    func connectionLost(_ error: (any Error)?) {
        try? finished.setResult(())
    }
}

func runProtocol(_ loop: isolated EventLoop, total: Int) async throws -> Checker {
    let finished = loop.createFuture(of: Void.self)
    let (transport, proto) = try await loop.subprocessExec({ PumpProtocol(total: total, finished: finished) },
                                                           "cat", stderr: .inherit)
    try await finished.value
    transport.close()
    return proto.checker
}

func runStreams(_ loop: isolated EventLoop, total: Int) async throws -> Checker {
    let process = try await loop.createSubprocessExec("cat", stdin: .pipe, stdout: .pipe)
    let stdin = process.stdin!, stdout = process.stdout!
    let feeder = loop.createTask {
        var written = 0
        while written < total {
            let count = min(chunkSize, total - written)
            reference.withUnsafeBytes { stdin.write(UnsafeRawBufferPointer(rebasing: $0[(written % 251)...].prefix(count))) }
            written += count
            try await stdin.drain()
        }
        stdin.close()
    }
    var checker = Checker()
    while true {
        let data = try await stdout.read(chunkSize)
        if data.isEmpty { break }
        checker.check(data)
    }
    try await feeder.value
    _ = try await process.wait()
    return checker
}

var mib = 256
var layer = "protocol"
var arguments = CommandLine.arguments.dropFirst()
while let name = arguments.popFirst() {
    guard let value = arguments.popFirst() else {
        print("usage: asyncio-pipe-bench [--mib N] [--layer protocol|streams]")
        Program.exit(2)
    }
    switch name {
    case "--mib": mib = Int(value) ?? mib
    case "--layer": layer = value
    default:
        print("unknown option \(name)")
        Program.exit(2)
    }
}
let total = mib * 1024 * 1024
let useStreams = layer == "streams"
let clock = ContinuousClock()
let start = clock.now
let checker = try EventLoop.run { loop in
    useStreams ? try await runStreams(loop, total: total) : try await runProtocol(loop, total: total)
}
let elapsed = clock.now - start
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let ok = checker.received == total && checker.mismatches == 0
print("{\"layer\": \"\(layer)\", \"bytes\": \(checker.received), \"expected\": \(total), \"mismatches\": \(checker.mismatches), \"seconds\": \(seconds), \"mib_per_s\": \(Double(checker.received) / 1_048_576 / seconds), \"ok\": \(ok)}")
Program.flushOutput()
Program.exit(ok ? 0 : 1)
