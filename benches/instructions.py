#!/usr/bin/env python3
"""Instructions per seal and per open, counted by valgrind's callgrind.

Wall-clock medians on a shared 2-core machine move with whatever else runs;
instruction counts do not. This runs each comparison benchmark of
benches/compare.rs for one second under callgrind and divides the
instructions of criterion's timing loop (routine and the drop of its
output) by the number of iterations, then prints a table of the same shape
as report.py's, with the ours / theirs ratios. Instructions are not time
(AES and carry-less multiply instructions are few but slow; base64 is many
cheap ones), so this is a cross-check of the criterion ratios, not a
replacement. Needs valgrind (`apt-get install valgrind`).

    cargo bench --all-features --bench compare --no-run
    python3 benches/instructions.py [--write benches/instructions.md]
"""

import argparse
import glob
import os
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
IMPLS = ["sealed-session", "floor", "cookie-private-json", "actix-session"]
# The floor: the sum of its components' instructions (benches/compare.rs).
FLOOR = {
    "seal": ["encode", "nonce", "xaes-256-gcm-encrypt", "base64-simd-encode"],
    "open": ["base64-simd-decode", "xaes-256-gcm-decrypt", "validate"],
}


def bench_binary():
    target = os.environ.get("CARGO_TARGET_DIR", str(ROOT / "target"))
    candidates = [
        p for p in glob.glob(f"{target}/release/deps/compare-*") if os.access(p, os.X_OK) and not p.endswith(".d")
    ]
    if not candidates:
        sys.exit("no compare bench binary: run `cargo bench --all-features --bench compare --no-run` first")
    return max(candidates, key=os.path.getmtime)


def per_iteration(binary, bench_id):
    """Instructions per iteration of criterion's loop for `bench_id`, or None."""
    with tempfile.TemporaryDirectory() as tmp:
        out = f"{tmp}/cg.out"
        run = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary, "--bench",
             "--profile-time", "1", f"^{re.escape(bench_id)}$"],
            capture_output=True, text=True, cwd=ROOT,
        )
        if run.returncode != 0 or not os.path.exists(out):
            return None
        tree = subprocess.run(["callgrind_annotate", "--tree=calling", "--inclusive=yes", out],
                              capture_output=True, text=True).stdout.splitlines()
    for i, line in enumerate(tree):
        if re.search(r"\*  \?\?\?:criterion::bencher::Bencher<M>::iter(_batched)? \[", line):
            total = int(line.split()[0].replace(",", ""))
            calls = [int(m.group(1).replace(",", "")) for l in tree[i + 1:i + 12]
                     for m in [re.search(r"\(([\d,]+)x\)", l)] if m]
            if "iter_batched" in line:
                # The batched loop also calls the (untimed) setup; count only the routine's callees.
                routine = [l for l in tree[i + 1:i + 12] if "actix::seal" in l or "fold" in l or "decrypt" in l]
                if routine:
                    total = int(routine[0].split()[0].replace(",", ""))
                    iters = [int(m.group(1).replace(",", "")) for l in tree[i + 1:i + 12]
                             for m in [re.search(r"__rust_dealloc \(([\d,]+)x\)", l)] if m]
                    return total / iters[0] if iters else None
            # The most expensive callee (listed first) is the routine: its
            # call count is the number of iterations.
            return total / calls[0] if calls else None
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", metavar="FILE", help="also write the table to FILE")
    parser.add_argument("--workloads", default="S,M", help="comma-separated (default S,M; L is slow under valgrind)")
    args = parser.parse_args()
    binary = bench_binary()
    counts = {}
    for op in ["seal", "open"]:
        for w in args.workloads.split(","):
            for impl in IMPLS:
                if impl == "floor":
                    parts = [per_iteration(binary, f"component-{w}/{p}") for p in FLOOR[op]]
                    n = sum(parts) if all(parts) else None
                else:
                    n = per_iteration(binary, f"compare-{op}-{w}/{impl}")
                counts[(op, w, impl)] = n
                print(f"compare-{op}-{w}/{impl}: {n:.0f}" if n else f"compare-{op}-{w}/{impl}: —", file=sys.stderr)

    def cell(n):
        return f"{n / 1000:.1f} k" if n else "—"

    def ratio(a, b):
        return f"{a / b:.2f}×" if a and b else "—"

    lines = [
        "| instructions per iteration | " + " | ".join(f"`{i}`" for i in IMPLS)
        + " | ours / floor | ours / actix-session | ours / cookie-private-json |",
        "|---|" + "---|" * (len(IMPLS) + 3),
    ]
    for op in ["seal", "open"]:
        for w in args.workloads.split(","):
            c = [counts[(op, w, i)] for i in IMPLS]
            lines.append(f"| {op} {w} | " + " | ".join(cell(n) for n in c)
                         + f" | {ratio(c[0], c[1])} | {ratio(c[0], c[3])} | {ratio(c[0], c[2])} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        pathlib.Path(args.write).write_text(text)


if __name__ == "__main__":
    main()
