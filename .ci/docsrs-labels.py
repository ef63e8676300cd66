#!/usr/bin/env python3
"""Checks that the docs.rs build labels every feature's items.

docs.rs builds this crate with `--all-features --cfg docsrs` (Cargo.toml,
[package.metadata.docs.rs]); lib.rs then turns on `doc_cfg`, and rustdoc
marks each feature-gated item "Available on crate feature X only". A reader
of docs.rs learns which feature to enable from that label alone, so:

1. every feature that adds public items has at least one labelled item;
2. every page under a feature-gated module carries a label.

Usage: .ci/docsrs-labels.py DOC_DIR CARGO_TOML   (DOC_DIR = .../doc/sealed_session)
"""

import pathlib
import re
import sys
import tomllib

# Features that add no public item of their own: a binary, log events, the
# empty default, and internals hidden from the docs on purpose.
NO_PUBLIC_ITEMS = {"default", "cli", "tracing", "unstable-internals"}

# An item's own label (`<div class="stab portability">Available on ...`) or a
# listed item's (`<span class="stab portability" title="Available on ...">`).
LABEL = re.compile(r'class="stab portability"(?: title="|>)Available on (.*?)(?:"|</div>)')
REDIRECT = '<meta http-equiv="refresh"'

GATED_MODULE = re.compile(
    r'<a class="mod" href="([a-z_]+)/index.html"[^>]*>[^<]*</a><wbr>'
    r'<span class="stab portability" title="Available on crate feature'
)


def main() -> int:
    doc = pathlib.Path(sys.argv[1])
    features = set(tomllib.loads(pathlib.Path(sys.argv[2]).read_text())["features"])
    pages = sorted(doc.rglob("*.html"))
    labels = {p: LABEL.findall(p.read_text(encoding="utf-8")) for p in pages}
    failures = []

    seen = " ".join(t for ts in labels.values() for t in ts)
    for feature in sorted(features - NO_PUBLIC_ITEMS):
        if f"<code>{feature}</code>" not in seen and f"`{feature}`" not in seen:
            failures.append(f"feature `{feature}`: no item is labelled with it")

    modules = GATED_MODULE.findall((doc / "index.html").read_text(encoding="utf-8"))
    if not modules:
        failures.append("the crate root lists no feature-gated module (was --cfg docsrs set?)")
    for module in modules:
        for page in sorted((doc / module).rglob("*.html")):
            if REDIRECT not in page.read_text(encoding="utf-8") and not labels.get(page):
                failures.append(f"{page.relative_to(doc)}: no feature label")

    for failure in failures:
        print(f"docs.rs labels: {failure}")
    checked = sum(len(list((doc / m).rglob("*.html"))) for m in modules)
    print(
        f"docs.rs labels: {len(features - NO_PUBLIC_ITEMS)} features, "
        f"{len(modules)} gated modules, {checked} pages checked, {len(failures)} problems"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
