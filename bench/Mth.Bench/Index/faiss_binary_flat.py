#!/usr/bin/env python3
"""Faiss IndexBinaryFlat on the rows that `./mth bench index --dump DIR` wrote: the reference speed.

Usage: faiss_binary_flat.py DIR BITS K
Times one query at a time on one thread (like the C# methods) and prints one JSON object:
{"build_s": ..., "latencies_ms": [...], "distances": [[...], ...]}.
Faiss breaks distance ties in its own way, so the caller compares distances only.
"""
import json
import sys
import time

import faiss
import numpy as np


def main() -> None:
    directory, bits, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    row = bits // 8
    db = np.fromfile(f"{directory}/db.bin", dtype=np.uint8).reshape(-1, row)
    queries = np.fromfile(f"{directory}/queries.bin", dtype=np.uint8).reshape(-1, row)
    faiss.omp_set_num_threads(1)

    start = time.perf_counter()
    index = faiss.IndexBinaryFlat(bits)
    index.add(db)
    build_s = time.perf_counter() - start

    for i in range(min(20, len(queries))):  # warm-up, as for the C# methods
        index.search(queries[i : i + 1], k)

    latencies, distances = [], []
    for i in range(len(queries)):
        start = time.perf_counter()
        d, _ = index.search(queries[i : i + 1], k)
        latencies.append((time.perf_counter() - start) * 1000.0)
        distances.append([int(x) for x in d[0] if x >= 0])
    json.dump({"build_s": build_s, "latencies_ms": latencies, "distances": distances}, sys.stdout)


if __name__ == "__main__":
    main()
