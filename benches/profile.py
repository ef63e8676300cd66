#!/usr/bin/env python3
"""Where a request's server CPU goes, per row of benches/server.rs, by perf.

Starts the benchmark's servers alone (`SERVER_BENCH_SERVE`, benches/server.rs),
drives one row at a time with wrk (`-t1 -c32`, as the bench does), samples the
server process with `perf record -e cpu-clock` while wrk runs, and reads the
server's CPU time (user + system, /proc/PID/stat) over the same interval. Each
sample (with its DWARF call chain) is attributed to a group by the nearest
frame, from the leaf up, whose function name the group claims (what the
compiler inlined counts where it was inlined); a leaf in libc's allocator or
copies counts for malloc/free/memcpy and a leaf in the kernel for kernel,
whoever called them. A group's µs per request is its share of the samples
times the row's server CPU per request. The last table sets each session row against
the hello that receives the same `Cookie` header on a route nested and layered
as the session routes are, group by group.

Groups: AEAD (the ciphers, GHASH/POLYVAL, HMAC/SHA-2 and the envelope that
drives them), base64, validation + index (the strict CBOR pass and the session
map), value decode (serde/ciborium, `get`), header parse/join (the `Cookie`
header reader and chunk join), wipe (zeroize and the plaintext wipe),
malloc/free/memcpy (libc's allocator and copies, whoever called them),
Set-Cookie building (the store's save path and the integrations' response
headers), session layer (the rest of the integration: handles, extensions),
hyper/tokio (hyper, tokio, http, axum, tower, actix, bytes, mio), kernel
(system calls, sockets, scheduling), and the rest.

Needs perf (`apt-get install linux-perf`), wrk, and the bench built:

    cargo bench --all-features --bench server --no-run
    python3 benches/profile.py [--seconds 5] [--rows "axum read L" ...]

Run as root, or with `perf_event_paranoid` ≤ 1 for kernel samples (at 2,
user-space samples only: the kernel group is then empty and the shares are of
user time).
"""

import argparse
import glob
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
CONNECTIONS = 32

# (framework, row, path, which Cookie header, its hello baseline)
ROWS = [
    ("axum", "hello", "/hello", None, None),
    ("axum", "hello with S's cookies", "/hello", "s_cookie", None),
    ("axum", "hello with L's cookies", "/hello", "l_cookie", None),
    # Nested and layered as the session routes are (benches/server.rs).
    ("axum", "hello with S's cookies, nested", "/n/hello", "s_cookie", None),
    ("axum", "hello with L's cookies, nested", "/n/hello", "l_cookie", None),
    ("axum", "untouched L", "/l/untouched", "l_cookie", "hello with L's cookies, nested"),
    ("axum", "read S", "/s/read", "s_cookie", "hello with S's cookies, nested"),
    ("axum", "read L", "/l/read", "l_cookie", "hello with L's cookies, nested"),
    ("axum", "write L", "/l/write", "l_cookie", "hello with L's cookies, nested"),
    ("actix-web", "hello with L's cookies, nested", "/n/hello", "l_cookie", None),
    ("actix-web", "untouched L", "/l/untouched", "l_cookie", "hello with L's cookies, nested"),
    ("actix-web", "read L", "/l/read", "l_cookie", "hello with L's cookies, nested"),
    ("actix-web", "write L", "/l/write", "l_cookie", "hello with L's cookies, nested"),
]

# A sample counts for the group of the nearest frame (from the leaf up) that
# names one; a leaf in libc's allocator or copies counts for
# malloc/free/memcpy whoever called it, a leaf in the kernel for kernel.
LEAF_GROUPS = [
    ("malloc/free/memcpy", [r"\bmalloc", r"\bfree\b", r"cfree", r"realloc", r"calloc", r"_int_", r"memcpy", r"memmove", r"memset", r"__rust_alloc", r"__rust_dealloc", r"__rust_realloc", r"__rdl_", r"tcache", r"unlink_chunk", r"malloc_consolidate"]),
]
GROUPS = [
    # The plaintext wipe is inlined into the session's drop, which does
    # little else itself (its frees are malloc/free/memcpy).
    ("wipe", [r"zeroize", r"sealed_session::wipe", r"drop_in_place<(core::option::Option<)?sealed_session::session::Session>"]),
    ("AEAD", [r"\baes::", r"aes_gcm", r"ghash", r"polyval", r"chacha", r"poly1305", r"\bhmac", r"sha2::", r"xaes", r"\baead::", r"\bctr::", r"cipher::", r"universal_hash", r"sealed_session::envelope", r"sealed_session::keyring", r"sealed_session::rng", r"getrandom"]),
    ("base64", [r"base64", r"vsimd", r"outref"]),
    ("value decode", [r"ciborium", r"serde"]),
    ("validation + index", [r"sealed_session::payload", r"sealed_session::session"]),
    ("header parse/join", [r"sealed_session::store::cookie_header", r"sealed_session::store::load", r"sealed_session::chunk_set", r"sealed_session::store::names", r"sealed_session::integrations::request"]),
    ("Set-Cookie building", [r"sealed_session::store::save", r"sealed_session::store::header", r"sealed_session::store::attributes", r"sealed_session::integrations::response", r"sealed_session::integrations::axum::apply", r"sealed_session::integrations::actix::apply", r"sealed_session::integrations::axum::finish_response", r"sealed_session::integrations::finish", r"HeaderValue"]),
    ("session layer", [r"sealed_session::integrations"]),
    ("hyper/tokio", [r"hyper", r"tokio", r"\bhttp::", r"httparse", r"axum", r"tower", r"actix", r"\bbytes::", r"\bmio", r"futures", r"\bh2::", r"httpdate", r"matchit", r"epoll", r"pthread", r"__lll", r"\b(send|recv|sendto|recvfrom|write|read|writev|readv)\b"]),
]
GROUP_NAMES = ["kernel"] + [g for g, _ in LEAF_GROUPS + GROUPS] + ["rest"]


def bench_binary():
    target = os.environ.get("CARGO_TARGET_DIR", str(ROOT / "target"))
    candidates = [p for p in glob.glob(f"{target}/release/deps/server-*") if os.access(p, os.X_OK) and not p.endswith(".d")]
    if not candidates:
        sys.exit("no server bench binary: run `cargo bench --all-features --bench server --no-run` first")
    return max(candidates, key=os.path.getmtime)


def cpu_seconds(pid):
    """User + system CPU seconds of process `pid` (every thread)."""
    after = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(after[11]) + int(after[12])) / os.sysconf("SC_CLK_TCK")


def wrk_requests(text):
    m = re.search(r"(\d+) requests in", text)
    return int(m.group(1)) if m else 0


def classify(frames):
    """The group of one sample, given its (symbol, dso) frames, leaf first."""
    if not frames:
        return "rest"
    symbol, dso = frames[0]
    if "kernel" in dso:
        return "kernel"
    for name, patterns in LEAF_GROUPS:
        if any(re.search(p, symbol) for p in patterns):
            return name
    for symbol, _ in frames:
        for name, patterns in GROUPS:
            if any(re.search(p, symbol) for p in patterns):
                return name
    return "rest"


def attribution(data):
    """Share of samples per group, from `perf script` (call chains)."""
    out = subprocess.run(
        ["perf", "script", "-i", data, "-F", "ip,sym,dso"], capture_output=True, text=True, check=True
    ).stdout
    counts = dict.fromkeys(GROUP_NAMES, 0)
    for sample in out.split("\n\n"):
        frames = []
        for line in sample.strip().splitlines():
            m = re.match(r"\s*[0-9a-f]+\s+(.*?)\s+\((.*)\)$", line)
            if m:
                frames.append((m.group(1), m.group(2)))
        if frames:
            counts[classify(frames)] += 1
    total = sum(counts.values()) or 1
    return {g: v / total for g, v in counts.items()}


def profile_row(info, url, cookie, seconds, workdir, label):
    pid = info["pid"]
    data = os.path.join(workdir, re.sub(r"\W+", "_", label) + ".data")
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    wrk = subprocess.Popen(command + [url], stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)  # past wrk's connection set-up
    before = cpu_seconds(pid)
    perf = subprocess.run(
        ["perf", "record", "-q", "-e", "cpu-clock", "-F", "999", "--call-graph", "dwarf,16384", "-p", str(pid), "-o", data, "--", "sleep", str(seconds - 1)],
        capture_output=True, text=True,
    )
    used = cpu_seconds(pid) - before
    text, _ = wrk.communicate()
    if perf.returncode != 0:
        sys.exit(f"perf record failed: {perf.stderr}")
    # wrk's count covers its whole run; the CPU was read over `seconds - 1`
    # of it, so scale the requests to that interval.
    requests = wrk_requests(text) * (seconds - 1) / seconds
    return used * 1e6 / requests, attribution(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rows", nargs="*", help="framework + row labels to profile (their hello baselines are added)")
    parser.add_argument("--keep", metavar="DIR", help="keep the perf data files in DIR (`perf report -i DIR/ROW.data`)")
    args = parser.parse_args()
    rows = ROWS
    if args.rows:
        wanted = set(args.rows)
        keep = {(r[0], r[1]) for r in ROWS if f"{r[0]} {r[1]}" in wanted}
        keep |= {(r[0], r[4]) for r in ROWS if (r[0], r[1]) in keep and r[4]}
        rows = [r for r in ROWS if (r[0], r[1]) in keep]
    with tempfile.TemporaryDirectory() as scratch:
        workdir = args.keep or scratch
        os.makedirs(workdir, exist_ok=True)
        info_file = os.path.join(workdir, "servers.json")
        env = dict(os.environ, SERVER_BENCH_SERVE=info_file)
        server = subprocess.Popen([bench_binary(), "--bench"], env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
        try:
            for _ in range(600):
                if os.path.exists(info_file) and os.path.getsize(info_file) > 0:
                    break
                time.sleep(0.1)
            time.sleep(0.2)
            info = json.load(open(info_file))
            results = {}
            for framework, row, path, cookie, _ in rows:
                port = info["axum_port"] if framework == "axum" else info["actix_port"]
                url = f"http://127.0.0.1:{port}{path}"
                key = (framework, row)
                results[key] = profile_row(info, url, info[cookie] if cookie else "", args.seconds, workdir, f"{framework} {row}")
                print(f"{framework} {row}: {results[key][0]:.2f} µs server CPU per request", file=sys.stderr)
        finally:
            server.stdin.close()
            server.wait(timeout=60)
    print(f"Server CPU per request, attributed by `perf record -e cpu-clock --call-graph dwarf` (wrk -t1 -c{CONNECTIONS} -d{args.seconds}s per row, one server thread):")
    print()
    print("| framework | row | µs per request | " + " | ".join(GROUP_NAMES) + " |")
    print("|---|---|---|" + "---|" * len(GROUP_NAMES))
    for framework, row, _, _, _ in rows:
        us, shares = results[(framework, row)]
        print(f"| {framework} | {row} | {us:.2f} | " + " | ".join(f"{us * shares[g]:.2f}" for g in GROUP_NAMES) + " |")
    print()
    print("Over the hello receiving the same `Cookie` header, nested as the session routes (µs per request, group by group):")
    print()
    print("| framework | row | total | " + " | ".join(GROUP_NAMES) + " |")
    print("|---|---|---|" + "---|" * len(GROUP_NAMES))
    for framework, row, _, _, base in rows:
        if not base or (framework, base) not in results:
            continue
        us, shares = results[(framework, row)]
        base_us, base_shares = results[(framework, base)]
        cells = [f"{us * shares[g] - base_us * base_shares[g]:+.2f}" for g in GROUP_NAMES]
        print(f"| {framework} | {row} | {us - base_us:+.2f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
