import CLibUV

/// Facts about the machine that libuv answers.
enum UVSystem {
    /// The number of CPUs this process may run on: libuv's `uv_available_parallelism()`,
    /// which on Linux counts the CPUs in the process's affinity mask (`sched_getaffinity`),
    /// so `taskset -c 0` or a container's cpuset gives 1 on a larger machine; at least 1.
    static func availableParallelism() -> Int {
        Int(uv_available_parallelism())
    }
}
