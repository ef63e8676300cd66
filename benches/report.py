#!/usr/bin/env python3
"""Turns a criterion run into BENCHMARKS.md's measured section and chart.

    cargo bench --all-features            # or: --bench compare / --bench sealing
    python3 benches/report.py             # print the tables and ratios
    python3 benches/report.py --write     # also rewrite BENCHMARKS.md between its
                                          # report markers, and benches/chart.svg

Reads target/criterion/**/new/{benchmark,estimates}.json (criterion's own
output) and target/criterion/compare-notes.json (written by the compare
bench: cookie value sizes, and why a peer cannot store a workload). Figures
are criterion's median estimates; every ratio divides two figures of the same
run. Standard library only (the SVG is written by hand).
"""

import argparse
import datetime
import json
import math
import os
import pathlib
import platform
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
BEGIN = "<!-- report:begin (benches/report.py --write) -->"
END = "<!-- report:end -->"
WORKLOADS = ["S", "M", "L"]
IMPLS = [
    "sealed-session",
    "floor",
    "sealed-session-read-all",
    "sealed-session-read-shuffled",
    "sealed-session-internal",
    "cookie-private-json",
    "actix-session",
    "actix-session-lazy",
]
# The floor of each operation: the sum of its cheapest components, each
# measured in the same run (benches/compare.rs, `components`).
FLOOR = {
    "seal": ["encode", "nonce", "xaes-256-gcm-encrypt", "base64-simd-encode"],
    "open": ["base64-simd-decode", "xaes-256-gcm-decrypt", "validate"],
}
ALGS = ["xaes-256-gcm", "xchacha20-poly1305", "aes-256-gcm", "hmac-sha256"]
TARGETS = {
    # (group, against): max ratio (issue 10's targets)
    ("compare-seal-S", "actix-session"): 0.8,
    ("compare-open-S", "actix-session"): 0.8,
    ("compare-seal-S", "floor"): 1.5,
    ("compare-open-S", "floor"): 1.5,
    ("compare-seal-M", "floor"): 1.5,
    ("compare-open-M", "floor"): 1.5,
    ("compare-seal-L", "floor"): 1.5,
    ("compare-open-L", "floor"): 1.5,
}


def criterion_dir():
    target = os.environ.get("CARGO_TARGET_DIR", str(ROOT / "target"))
    return pathlib.Path(target) / "criterion"


def load_results(base):
    """{(group, function): (median ns, mtime)} from criterion's files."""
    results = {}
    for bench in base.glob("**/new/benchmark.json"):
        meta = json.loads(bench.read_text())
        est = json.loads((bench.parent / "estimates.json").read_text())
        group = meta["group_id"]
        function = meta.get("function_id") or ""
        if meta.get("value_str"):
            function = f"{function}/{meta['value_str']}" if function else meta["value_str"]
        results[(group, function)] = (est["median"]["point_estimate"], bench.stat().st_mtime)
    return results


def add_floor(results):
    """The floor rows: the sum of the component medians of the same run."""
    for w in WORKLOADS:
        for op, parts in FLOOR.items():
            found = [results.get((f"component-{w}", part)) for part in parts]
            if all(found):
                total = sum(ns for ns, _ in found)
                results[(f"compare-{op}-{w}", "floor")] = (total, max(m for _, m in found))


def load_notes(base):
    path = base / "compare-notes.json"
    notes = {}
    if path.exists():
        for n in json.loads(path.read_text()):
            notes.setdefault((n["workload"], n["who"]), {}).update(
                {k: v for k, v in n.items() if k not in ("workload", "who")}
            )
    return notes


def fmt_time(ns):
    if ns is None:
        return "—"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        rustc = "rustc ?"
    return f"{os.cpu_count()} cores (`nproc`), {cpu}, {platform.system()} {platform.release()}, {rustc}"


def get(results, group, function):
    r = results.get((group, function))
    return r[0] if r else None


def ratio(a, b):
    return f"{a / b:.2f}×" if a is not None and b is not None else "—"


def compare_table(results, notes, op):
    lines = [
        f"| {op} | " + " | ".join(f"`{i}`" for i in IMPLS)
        + " | ours / floor | ours / actix-session | ours / cookie-private-json |",
        "|---|" + "---|" * (len(IMPLS) + 3),
    ]
    for w in WORKLOADS:
        group = f"compare-{op}-{w}"
        cells = []
        for impl in IMPLS:
            t = get(results, group, impl)
            note = notes.get((w, impl), {})
            if t is None and "refused" in note:
                cells.append("cannot store it¹" if impl == "actix-session" else "cannot store it²")
            else:
                cells.append(fmt_time(t))
        ours = get(results, group, "sealed-session")
        lines.append(
            f"| {w} | " + " | ".join(cells)
            + f" | {ratio(ours, get(results, group, 'floor'))}"
            + f" | {ratio(ours, get(results, group, 'actix-session'))}"
            + f" | {ratio(ours, get(results, group, 'cookie-private-json'))} |"
        )
    return lines


def targets_table(results):
    lines = ["| target | measured | met |", "|---|---|---|"]
    for (group, against), limit in TARGETS.items():
        ours = get(results, group, "sealed-session")
        theirs = get(results, group, against)
        op, w = group.split("-")[1:]
        if ours is None or theirs is None:
            lines.append(f"| {op} {w} ≤ {limit}× {against} | not measured | — |")
            continue
        r = ours / theirs
        lines.append(f"| {op} {w} ≤ {limit}× {against} | {r:.2f}× | {'yes' if r <= limit else '**no**'} |")
    k1 = get(results, "keyring-open", "key-1")
    k64 = get(results, "keyring-open", "key-64")
    if k1 and k64:
        r = k64 / k1
        lines.append(f"| open with the 64th key ≤ 1.05× the 1st | {r:.3f}× | {'yes' if r <= 1.05 else '**no**'} |")
    return lines


def suite_tables(results):
    out = []
    for op in ["seal", "open"]:
        out.append(f"| {op} | " + " | ".join(f"`{a}`" for a in ALGS) + " |")
        out.append("|---|" + "---|" * len(ALGS))
        for w in WORKLOADS:
            out.append(f"| {w} | " + " | ".join(fmt_time(get(results, f"{op}-{w}", a)) for a in ALGS) + " |")
        out.append("")
    out.append("| request cycle (`load` → `get` → `insert` → `save`) | S | M | L |")
    out.append("|---|---|---|---|")
    out.append("| default algorithm | " + " | ".join(fmt_time(get(results, "cycle", w)) for w in WORKLOADS) + " |")
    out.append("")
    out.append("| keyring of 64 keys, open S sealed with key | 1st (primary) | 16th | 64th | 64th / 1st |")
    out.append("|---|---|---|---|---|")
    ks = [get(results, "keyring-open", f"key-{k}") for k in (1, 16, 64)]
    out.append("| time | " + " | ".join(fmt_time(k) for k in ks) + f" | {ratio(ks[2], ks[0])} |")
    out.append("")
    out.append("| session spanning | 1 cookie | 2 cookies | 3 cookies | 4 cookies |")
    out.append("|---|---|---|---|---|")
    for op in ["save", "load"]:
        out.append(f"| `{op}` | " + " | ".join(fmt_time(get(results, f"chunks-{op}", str(n))) for n in range(1, 5)) + " |")
    return out


COMPONENTS = [
    ("encode", "payload encode, direct, exact length (seal floor)"),
    ("nonce", "one 24-byte nonce from the operating system (seal floor)"),
    ("xaes-256-gcm-encrypt", "XAES-256-GCM encrypt (seal floor)"),
    ("base64-simd-encode", "base64url encode, SIMD (seal floor)"),
    ("base64-simd-decode", "base64url decode, SIMD (open floor)"),
    ("xaes-256-gcm-decrypt", "XAES-256-GCM decrypt (open floor)"),
    ("validate", "strict one-pass validation, no index (open floor)"),
    ("decode", "the lazy decode `load` runs (validation + index)"),
    ("aes-256-gcm-encrypt", "AES-256-GCM encrypt, for reference"),
    ("base64-encode", "base64url encode, `base64` crate, for reference"),
    ("base64-decode", "base64url decode, `base64` crate, for reference"),
]


def component_table(results):
    out = ["| component | S | M | L |", "|---|---|---|---|"]
    for key, label in COMPONENTS:
        out.append(f"| {label} | " + " | ".join(fmt_time(get(results, f"component-{w}", key)) for w in WORKLOADS) + " |")
    return out


def sizes_table(notes):
    out = ["| cookie value bytes | " + " | ".join(f"`{i}`" for i in IMPLS) + " |", "|---|" + "---|" * len(IMPLS)]
    for w in WORKLOADS:
        cells = []
        for impl in IMPLS:
            n = notes.get((w, impl), {})
            cell = n.get("value_len", "—")
            if impl == "sealed-session" and "cookies" in n:
                cell = f"{cell} ({n['cookies']} cookie{'s' if n['cookies'] != '1' else ''})"
            if "refused" in n:
                cell = f"{cell} (refused)" if cell != "—" else "refused"
            cells.append(cell)
        out.append(f"| {w} | " + " | ".join(cells) + " |")
    return out


def refusals(notes):
    out = []
    for (w, who), n in sorted(notes.items()):
        if "refused" in n:
            mark = "¹" if who == "actix-session" else "²"
            out.append(f"{mark} {w}, `{who}`: {n['refused'].rstrip('.')}.")
    return out


def chart_svg(results, notes):
    """Grouped horizontal bars: seal and open time per workload and implementation (log scale)."""
    import math

    colors = {
        "sealed-session": "#2b6cb0",
        "floor": "#718096",
        "sealed-session-read-all": "#63b3ed",
        "sealed-session-read-shuffled": "#4299e1",
        "sealed-session-internal": "#90cdf4",
        "cookie-private-json": "#dd6b20",
        "actix-session": "#c53030",
    }
    rows = []
    for op in ["seal", "open"]:
        for w in WORKLOADS:
            for impl in IMPLS:
                rows.append((op, w, impl, get(results, f"compare-{op}-{w}", impl), notes.get((w, impl), {})))
    values = [r[3] for r in rows if r[3]]
    if not values:
        return None
    lo = 10 ** math.floor(math.log10(min(values)))
    hi = 10 ** math.ceil(math.log10(max(values)))
    left, width, bar, gap, top = 230, 520, 14, 10, 60
    height = top + len(rows) * bar + (len(rows) // len(IMPLS)) * gap + 60

    def x(ns):
        return left + width * (math.log10(ns) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))

    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 120}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{left}" y="22" font-size="15" font-weight="bold">Seal and open time per workload '
        "(median, log scale; shorter is faster)</text>",
    ]
    for i, impl in enumerate(IMPLS):
        svg.append(f'<rect x="{left + i * 130}" y="34" width="12" height="12" fill="{colors[impl]}"/>')
        svg.append(f'<text x="{left + i * 130 + 16}" y="45">{impl}</text>')
    y = top
    decade = lo
    while decade <= hi:
        gx = x(decade)
        svg.append(f'<line x1="{gx:.1f}" y1="{top - 4}" x2="{gx:.1f}" y2="{height - 40}" stroke="#ddd"/>')
        svg.append(f'<text x="{gx:.1f}" y="{height - 26}" text-anchor="middle">{fmt_time(decade)}</text>')
        decade *= 10
    for idx, (op, w, impl, ns, note) in enumerate(rows):
        if idx % len(IMPLS) == 0:
            if idx:
                y += gap
            svg.append(f'<text x="{left - 120}" y="{y + bar * 2.4:.0f}" font-weight="bold">{op} {w}</text>')
        if ns:
            svg.append(
                f'<rect x="{left}" y="{y}" width="{x(ns) - left:.1f}" height="{bar - 2}" fill="{colors[impl]}"/>'
            )
            svg.append(f'<text x="{x(ns) + 4:.1f}" y="{y + bar - 4}">{fmt_time(ns)}</text>')
        elif "refused" in note or impl != "sealed-session":
            svg.append(f'<text x="{left + 4}" y="{y + bar - 4}" fill="#555">{impl}: cannot store {w}</text>')
        y += bar
    svg.append(f'<text x="{left}" y="{height - 8}" fill="#555">{machine_short()}</text>')
    svg.append("</svg>")
    return "\n".join(svg) + "\n"


SERVER_TARGETS = [
    # (framework, row, max overhead in µs over the hello receiving the same
    # Cookie header: issue 21's targets)
    ("axum", "read L", 20.0),
    ("axum", "write L", 30.0),
    ("axum", "untouched L", 1.0),
    ("actix-web", "read L", 20.0),
    ("actix-web", "write L", 30.0),
    ("actix-web", "untouched L", 1.0),
]

# Each peer's read is set against this crate's read S, both over the hello
# receiving their own Cookie header (issue 21: "read S below tower-sessions").
PEER_READS = [
    ("axum", "read S", "tower-sessions read"),
    ("actix-web", "read S", "actix-session read"),
]


def fmt_us(value):
    """A signed µs figure; `—` for the rows that have no such baseline."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:+.2f}"


def server_tables():
    path = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", str(ROOT / "target"))) / "server-bench.json"
    if not path.exists():
        return ["(no server run: `cargo bench --all-features --bench server`)"]
    run = json.loads(path.read_text())
    rows = {(r["framework"], r["row"]): r for r in run["rows"]}
    when = datetime.datetime.fromtimestamp(path.stat().st_mtime, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        f"Run {when}: `wrk -t1 -c{run['connections']} -d{run['seconds_per_row']}s` per row, one server thread; "
        f"load average {run['load_before']} before, {run['load_after']} after. "
        "Server CPU per request is the server process's user + system time over the row "
        "divided by the requests wrk completed (it does not move with the machine's other load "
        "as requests/s does); each session row is given over the bare hello and over the hello "
        "receiving the same `Cookie` header on a route nested and layered as the session routes are "
        "(the `, nested` hello rows).",
        "",
        "| framework | row | requests/s | server CPU µs per request | over hello (µs) | over hello with the same Cookie header (µs) |",
        "|---|---|---|---|---|---|",
    ]
    for r in run["rows"]:
        out.append(
            f"| {r['framework']} | {r['row']} | {r['rps']:.0f} | {r['us_per_request']:.2f} "
            f"| {fmt_us(r['overhead_us'])} | {fmt_us(r.get('over_same_header_us'))} |"
        )
    out += ["", "| server target (over the hello with the same Cookie header) | measured | met |", "|---|---|---|"]
    for framework, row, limit in SERVER_TARGETS:
        r = rows.get((framework, row))
        value = r.get("over_same_header_us") if r else None
        if value is None or math.isnan(value):
            continue
        out.append(f"| {framework} {row} ≤ +{limit:g} µs | {value:+.1f} µs | {'yes' if value <= limit else '**no**'} |")
    for framework, ours_row, peer_row in PEER_READS:
        ours = rows.get((framework, ours_row))
        peer = rows.get((framework, peer_row))
        if not (ours and peer):
            continue
        a, b = ours.get("over_same_header_us"), peer.get("over_same_header_us")
        if a is None or b is None or math.isnan(a) or math.isnan(b):
            continue
        out.append(
            f"| {framework} {ours_row} below {peer_row} ({b:+.1f} µs) | {a:+.1f} µs | {'yes' if a < b else '**no**'} |"
        )
    return out


def machine_short():
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, {datetime.date.today().isoformat()}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="rewrite BENCHMARKS.md's report section and the chart")
    parser.add_argument("--command", default="cargo bench --all-features", help="the command the run used, for the record")
    args = parser.parse_args()

    base = criterion_dir()
    results = load_results(base)
    if not results:
        sys.exit(f"no criterion results under {base}: run `cargo bench --all-features` first")
    add_floor(results)
    notes = load_notes(base)
    when = max(m for _, m in results.values())
    stamp = datetime.datetime.fromtimestamp(when, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    out = [
        BEGIN,
        "",
        f"Measured {stamp} with `{args.command}` on {machine()}; "
        f"load average when the report was written: {os.getloadavg()[0]:.2f}. Figures are "
        "criterion medians; each ratio divides two figures from the same run.",
        "",
        "### Targets (default algorithm, ratios from one run)",
        "",
        *targets_table(results),
        "",
        "### Comparison: seal (changed session → `Set-Cookie` lines)",
        "",
        *compare_table(results, notes, "seal"),
        "",
        "### Comparison: open (`Cookie` header → session)",
        "",
        *compare_table(results, notes, "open"),
        "",
        *refusals(notes),
        "",
        *sizes_table(notes),
        "",
        "![seal and open time per workload](benches/chart.svg)",
        "",
        "### This crate: algorithms, request cycle, keyring depth, chunk counts",
        "",
        *suite_tables(results),
        "",
        "### Where the time goes (components, same run as the comparison)",
        "",
        "The floor of each row above is the sum of the components marked for it.",
        "",
        *component_table(results),
        "",
        "### Real servers under load (`cargo bench --all-features --bench server`)",
        "",
        *server_tables(),
        "",
        END,
    ]
    text = "\n".join(out)
    print(text)
    if args.write:
        md = ROOT / "BENCHMARKS.md"
        current = md.read_text() if md.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
        pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
        if not pattern.search(current):
            current += f"\n{BEGIN}\n{END}\n"
        md.write_text(pattern.sub(lambda _: text, current))
        svg = chart_svg(results, notes)
        if svg:
            (ROOT / "benches" / "chart.svg").write_text(svg)
        print(f"\nwrote {md} and benches/chart.svg", file=sys.stderr)


if __name__ == "__main__":
    main()
