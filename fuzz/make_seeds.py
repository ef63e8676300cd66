#!/usr/bin/env python3
"""Writes the committed seed corpora (corpus/<target>/seed-*) from the test
vectors in ../test-vectors/v1: real sealed values for `open_value` (under
the same keys, so the fuzzer starts past the key-id and algorithm checks)
and real payload CBOR, valid and invalid, for `payload`; and for
`base64url`, the sealed texts of the vectors named "base64-*" (canonical
and not) plus a few hand-made texts. Re-run after the
vectors change; the structured targets keep their hand-picked seeds."""
import base64
import glob
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = sorted(glob.glob(os.path.join(HERE, "..", "test-vectors", "v1", "*.json")))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def unb64(text):
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        return None


for path in VECTORS:
    for v in json.load(open(path))["vectors"]:
        name = v["name"]
        cookies = v.get("cookies") or []
        values = [c.split("=", 1)[1] for c in cookies if "=" in c]
        text = "".join(values) or v.get("sealed") or ""
        if text:
            # Mode byte: bit 0 = binary envelope, bits 1-2 = chunk count - 1.
            chunks = max(1, min(len(values), 4))
            mode = (chunks - 1) << 1
            write("open_value", name + "-text", bytes([mode]) + text.encode())
            if "base64" in name:
                write("base64url", name, text.encode())
            raw = unb64(text)
            if raw is not None:
                write("open_value", name + "-binary", bytes([mode | 1]) + raw)
        cbor = v.get("payload-cbor")
        if cbor:
            write("payload", name, bytes.fromhex(cbor))

for name, text in [
    ("text", "AQIDBA"),
    ("padded", "AQIDBA=="),
    ("trailing-bits", "AQIDBB"),
    ("standard-alphabet", "AQ+/BA"),
    ("space", "AQID BA"),
]:
    write("base64url", name, text.encode())
