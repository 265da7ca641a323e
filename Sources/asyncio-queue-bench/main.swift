import AsyncIO
import Glibc

/// `put`+`get` pairs per second through an AsyncIO `Queue` between two loop tasks: a
/// producer puts `items` integers, a consumer gets them. The same measurement as
/// scripts/bench_queue.py makes on asyncio and uvloop; scripts/bench-queue runs both.
///
/// Prints one line of JSON per maxsize: the wall-clock and CPU seconds of each repeat
/// and the best pairs per second.
struct BenchOptions {
    var items = 1_000_000
    var maxsizes = [100, 0]
    var repeats = 3

    static let usage = """
        usage: asyncio-queue-bench [--items N] [--maxsize M[,M…]] [--repeats R]

        Put N items through a Queue from one loop task to another, R times per maxsize.
          --items N      items per run (default 1000000)
          --maxsize M    comma-separated maxsizes; 0 is unbounded (default 100,0)
          --repeats R    runs per maxsize; the best is reported (default 3)
        """

    /// The options, or a message naming the argument that is wrong.
    static func parse(_ arguments: [String]) -> Result<BenchOptions, UsageError> {
        var options = BenchOptions()
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            if flag == "-h" || flag == "--help" { return .failure(UsageError(message: nil)) }
            guard let value = rest.popFirst() else {
                return .failure(UsageError(message: "\(flag) needs a value"))
            }
            switch flag {
            case "--items":
                guard let items = Int(value), items > 0 else {
                    return .failure(UsageError(message: "--items must be a positive integer, not '\(value)'"))
                }
                options.items = items
            case "--maxsize":
                let sizes = value.split(separator: ",").map { Int($0) }
                guard !sizes.isEmpty, sizes.allSatisfy({ $0 != nil && $0! >= 0 }) else {
                    return .failure(UsageError(message: "--maxsize must be integers ≥ 0, comma-separated, not '\(value)'"))
                }
                options.maxsizes = sizes.map { $0! }
            case "--repeats":
                guard let repeats = Int(value), repeats > 0 else {
                    return .failure(UsageError(message: "--repeats must be a positive integer, not '\(value)'"))
                }
                options.repeats = repeats
            default:
                return .failure(UsageError(message: "unknown option \(flag)"))
            }
        }
        return .success(options)
    }
}

/// A bad command line; `message` is nil for `--help`.
struct UsageError: Error {
    var message: String?
}

/// User plus system CPU seconds of this process so far.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// One run: the wall-clock and CPU seconds for `items` pairs through a queue of `maxsize`.
func measure(_ loop: isolated EventLoop, items: Int, maxsize: Int) async throws -> (wall: Double, cpu: Double) {
    let queue = Queue<Int>(maxsize: maxsize, loop: loop)
    let clock = ContinuousClock()
    let cpuStart = cpuSeconds()
    let start = clock.now
    let producer = loop.createTask {
        for item in 0..<items { try await queue.put(item) }
    }
    let consumer = loop.createTask {
        var sum = 0
        for _ in 0..<items { sum &+= try await queue.get() }
        return sum
    }
    try await producer.value
    let sum = try await consumer.value
    let elapsed = clock.now - start
    let cpu = cpuSeconds() - cpuStart
    // Every item arrived once: the sum of 0..<items.
    precondition(sum == items * (items - 1) / 2, "lost or duplicated items: sum \(sum)")
    let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return (wall, cpu)
}

/// The JSON list of `values`, each with six decimals.
func jsonList(_ values: [Double]) -> String {
    "[" + values.map(format6).joined(separator: ", ") + "]"
}

/// `value` with six decimals, without Foundation.
func format6(_ value: Double) -> String {
    let micros = Int((value * 1e6).rounded())
    let fraction = String(micros % 1_000_000)
    return "\(micros / 1_000_000)." + String(repeating: "0", count: 6 - fraction.count) + fraction
}

switch BenchOptions.parse(Array(CommandLine.arguments.dropFirst())) {
case .failure(let error):
    if let message = error.message {
        print("asyncio-queue-bench: \(message)\n\(BenchOptions.usage)")
        exit(2)
    }
    print(BenchOptions.usage)
case .success(let options):
    try EventLoop.run { loop in
        for maxsize in options.maxsizes {
            var walls: [Double] = [], cpus: [Double] = []
            for _ in 0..<options.repeats {
                let (wall, cpu) = try await measure(loop, items: options.items, maxsize: maxsize)
                walls.append(wall)
                cpus.append(cpu)
            }
            let best = walls.min()!
            let rate = Int((Double(options.items) / best).rounded())
            print("{\"impl\": \"swift\", \"maxsize\": \(maxsize), \"items\": \(options.items), "
                + "\"wall_seconds\": \(jsonList(walls)), \"cpu_seconds\": \(jsonList(cpus)), "
                + "\"pairs_per_second\": \(rate)}")
        }
    }
}
