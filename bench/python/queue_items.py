"""Small items from a producer process to a consumer process through Python's queues, for reference.

A producer process puts N small integers on a queue and a consumer process gets them all; the time runs
from the producer's start signal to the consumer's last item. Measured through multiprocessing.Queue and
through multiprocessing.Manager().Queue() (a proxy: every put and get is a round trip to the manager's
process, so it gets fewer items and is reported as a rate). Prints one JSON object: items per second for
each round of each queue.
"""

import argparse
import json
import multiprocessing as mp
import time


def produce(queue, count, go):
    go.wait()
    for i in range(count):
        queue.put(i)


def consume(queue, count, done):
    total = 0
    for _ in range(count):
        total += queue.get()
    done.put(total)


def transfer(context, queue, count):
    go = context.Event()
    done = context.Queue()
    consumer = context.Process(target=consume, args=(queue, count, done))
    producer = context.Process(target=produce, args=(queue, count, go))
    consumer.start()
    producer.start()
    start = time.perf_counter()
    go.set()
    total = done.get()
    elapsed = time.perf_counter() - start
    producer.join()
    consumer.join()
    if total != count * (count - 1) // 2:
        raise RuntimeError("wrong items")
    return count / elapsed


def measure(context, make, count, rounds):
    return [transfer(context, make(), count) for _ in range(rounds)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--manager-items", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    # The platform's default start method (fork on Linux): what a Python program gets without asking.
    context = mp.get_context()
    with context.Manager() as manager:
        out = {
            "queue": measure(context, context.Queue, args.items, args.rounds),
            "manager": measure(context, manager.Queue, args.manager_items, args.rounds),
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
