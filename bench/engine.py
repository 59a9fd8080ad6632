#!/usr/bin/env python3
"""Engine-only figures: `cairn validate` and `cairn plan --refresh=false` of a generated stack
of about 10,000 resources, with an empty state and with a full state (every resource
recorded, nothing to change), each run several times: median wall time and peak memory
(maximum resident set size), against the targets of 1 s and 300 MB. No AWS call is made.

usage: engine.py [--cairn PATH] [--resources N] [--runs K] [--markdown]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET_SECONDS = 1.0
TARGET_MB = 300


def measure(cairn, stack_dir, args, runs):
    """Median seconds and largest peak RSS (MB) of `cairn -C stack_dir args` over `runs`."""
    seconds, peaks = [], []
    for _ in range(runs):
        with tempfile.NamedTemporaryFile("r") as timing:
            done = subprocess.run(
                ["/usr/bin/time", "-o", timing.name, "-f", "%e %M", cairn, "-C", stack_dir, *args],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                env={**os.environ, "NO_COLOR": "1"})
            if done.returncode != 0:
                sys.exit(f"cairn {' '.join(args)} failed:\n{done.stderr}")
            wall, rss_kb = timing.read().split()[-2:]
        seconds.append(float(wall))
        peaks.append(int(rss_kb) / 1024)
    return statistics.median(seconds), max(peaks)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cairn", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(HERE, "..", "target")), "release", "cairn"))
    p.add_argument("--resources", type=int, default=10000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--markdown", action="store_true", help="print a Markdown table")
    a = p.parse_args()
    if not os.path.exists(a.cairn):
        sys.exit(f"{a.cairn} not found: build it with `cargo build --release --bin cairn`")
    gen = os.path.join(HERE, "gen_stack.py")
    with tempfile.TemporaryDirectory() as work:
        empty, full = os.path.join(work, "empty"), os.path.join(work, "full")
        count = subprocess.run([sys.executable, gen, str(a.resources), empty],
                               check=True, capture_output=True, text=True).stdout.split()[0]
        subprocess.run([sys.executable, gen, str(a.resources), full, "--state"],
                       check=True, capture_output=True)
        rows = [
            ("validate", empty, ["validate"]),
            ("plan, empty state", empty, ["plan", "--refresh=false"]),
            ("plan, full state (no changes)", full, ["plan", "--refresh=false"]),
        ]
        results = [(what, *measure(a.cairn, d, args, a.runs)) for what, d, args in rows]
    ok = all(s <= TARGET_SECONDS and mb <= TARGET_MB for _, s, mb in results[1:])
    if a.markdown:
        print(f"| {count} resources | median time | peak memory |")
        print("|---|---|---|")
        for what, s, mb in results:
            print(f"| {what} | {s:.2f} s | {mb:.0f} MB |")
        print(f"\nTargets for the plans: {TARGET_SECONDS:.0f} s and {TARGET_MB} MB: "
              f"{'met' if ok else 'NOT met'} ({a.runs} runs each).")
    else:
        for what, s, mb in results:
            print(f"{what:32} {s:6.2f} s {mb:7.0f} MB")
        print("targets met" if ok else "targets NOT met")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
