"""The tiny-task workload of scenario 5 on Python's own executors, for reference.

Submits N calls of add(i, 1) at once to a ThreadPoolExecutor and to a ProcessPoolExecutor of W workers,
waits for all, and prints one JSON object: tasks per second for each round of each executor.
"""

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, wait


def add(a, b):
    return a + b


def burst(executor, count):
    start = time.perf_counter()
    futures = [executor.submit(add, i, 1) for i in range(count)]
    wait(futures)
    elapsed = time.perf_counter() - start
    total = sum(f.result() for f in futures)
    if total != count * (count + 1) // 2:
        raise RuntimeError("wrong results")
    return count / elapsed


def measure(make, count, workers, rounds):
    with make(max_workers=workers) as executor:
        burst(executor, workers * 50)  # start every worker and warm up
        return [burst(executor, count) for _ in range(rounds)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    out = {
        "thread": measure(ThreadPoolExecutor, args.tasks, args.workers, args.rounds),
        "process": measure(ProcessPoolExecutor, args.tasks, args.workers, args.rounds),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
