"""put+get pairs per second through an asyncio.Queue between two tasks.

    python bench_queue.py [--loop asyncio|uvloop] [--items N] [--maxsize M[,M...]] [--repeats R]

The same measurement as Sources/asyncio-queue-bench does on AsyncIO (scripts/bench-queue
runs both): a producer task puts N integers, a consumer task gets them. Prints one line
of JSON per maxsize with the wall-clock and CPU seconds of each repeat and the best
pairs per second.
"""

import argparse
import asyncio
import json
import time


async def measure(items, maxsize):
    queue = asyncio.Queue(maxsize=maxsize)

    async def produce():
        for item in range(items):
            await queue.put(item)

    async def consume():
        total = 0
        for _ in range(items):
            total += await queue.get()
        return total

    cpu_start = time.process_time()
    start = time.perf_counter()
    producer = asyncio.create_task(produce())
    consumer = asyncio.create_task(consume())
    await producer
    total = await consumer
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    # Every item arrived once: the sum of range(items).
    assert total == items * (items - 1) // 2, f"lost or duplicated items: sum {total}"
    return wall, cpu


async def main(args):
    for maxsize in args.maxsize:
        walls, cpus = [], []
        for _ in range(args.repeats):
            wall, cpu = await measure(args.items, maxsize)
            walls.append(round(wall, 6))
            cpus.append(round(cpu, 6))
        print(json.dumps({
            "impl": args.loop, "maxsize": maxsize, "items": args.items,
            "wall_seconds": walls, "cpu_seconds": cpus,
            "pairs_per_second": round(args.items / min(walls)),
        }), flush=True)


def maxsizes(text):
    sizes = [int(part) for part in text.split(",")]
    if any(size < 0 for size in sizes):
        raise argparse.ArgumentTypeError(f"maxsizes must be >= 0, not {text!r}")
    return sizes


def positive(text):
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {text!r}")
    return value


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--items", type=positive, default=1_000_000)
    parser.add_argument("--maxsize", type=maxsizes, default=[100, 0])
    parser.add_argument("--repeats", type=positive, default=3)
    args = parser.parse_args()
    if args.loop == "uvloop":
        import uvloop  # imported only when asked for: plain asyncio runs need no uvloop
        uvloop.run(main(args))
    else:
        asyncio.run(main(args))
