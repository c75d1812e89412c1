#!/usr/bin/env python3
"""Writes the fixtures of the FileFormats tests (Tests/FileFormatsTests/Fixtures/).

Needs only the Python standard library and the `gzip` command line tool:

    python3 scripts/make_gzip_fixtures.py          # writes the fixtures, then checks them
    python3 scripts/make_gzip_fixtures.py --check  # only checks the committed fixtures

Compressed files come from independent encoders, so the Swift decoder is tested against real
streams rather than its own output:

- `gzip` (GNU gzip) at levels -1, -6 and -9: `<input>.cli<level>.gz` (these store the file name, FNAME);
- Python's `gzip` module at levels 0, 1, 6 and 9: `<input>.py<level>.gz` (level 0 gives stored blocks);
- Python's `zlib` module at levels 0, 1, 6 and 9: `<input>.zlib<level>.zz` (zlib streams, RFC 1950);
- raw DEFLATE from `zlib.compressobj(wbits=-15)`: `<input>.raw6.deflate`;
- `flags.gz`: a member written here by hand with every optional header field (FTEXT, FHCRC, FEXTRA,
  FNAME, FCOMMENT), its DEFLATE data from `zlib`;
- `multimember.gz`: two gzip members concatenated (gzip -d outputs both, one after the other).

The inputs are `empty` (0 bytes), `text` (`text.txt`, English text), `random` (`random.bin`, seeded
random bytes, partly skewed) and `large` (66,013 bytes, more than one 64 KiB stored block; not committed, since the
Swift test rebuilds it with the same `large_input()` rule). `manifest.json` lists every file with its
input, format, tool and level, and each input's size, SHA-256 and CRC-32.

`image.png` is what `PNG.encodeGrayscale` must produce for the 13x7 test image `png_pixels()` (the
Swift test compares bytes). It is built here with `struct` and stored DEFLATE blocks, then decoded
back with `zlib` (chunk CRCs via `zlib.crc32`, IDAT via `zlib.decompress`) to confirm it is a valid PNG.
"""
import gzip
import hashlib
import io
import json
import os
import random
import struct
import subprocess
import sys
import tempfile
import zlib

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "FileFormatsTests", "Fixtures")
# A fixed modification time for the files `gzip` compresses, so the fixtures are reproducible.
MTIME = 1_700_000_000

WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]


def large_input():
    """66,013 bytes of repetitive text lines (the Swift test builds the same bytes)."""
    lines, size, i = [], 0, 0
    while size < 66_000:
        line = f"line {i % 64:02d}: {WORDS[i % 8]} {WORDS[(i // 8) % 8]} {i % 7}\n"
        lines.append(line)
        size += len(line)
        i += 1
    return "".join(lines).encode("ascii")


def text_input():
    """About 5 KB of English sentences in a seeded order."""
    sentences = [
        "Rare events are the ones that matter: a paper sheet breaks, a heart skips a beat.",
        "An autoencoder learns to reconstruct normal data and fails on the unusual.",
        "The reconstruction error becomes a score, and a threshold turns the score into an alarm.",
        "Precision asks how many alarms were real; recall asks how many real events raised an alarm.",
        "Gzip wraps DEFLATE data in a header with a name, a time and flags, and ends with a CRC-32.",
        "Huffman codes give frequent symbols short codes and rare symbols long ones.",
        "A back-reference copies a run of earlier output: a length and a distance of up to 32 KiB.",
        "Stored blocks hold raw bytes, at most 65,535 of them, after a length and its complement.",
    ]
    rng = random.Random(20240601)
    out = []
    while sum(len(s) + 1 for s in out) < 5000:
        out.append(rng.choice(sentences) + (" " if rng.random() < 0.8 else "\n"))
    return "".join(out).encode("utf-8")


def random_input():
    """Seeded random bytes: 512 uniform (zlib stores those), then 2,048 skewed towards 0, which zlib
    codes with dynamic Huffman codes of up to 15 bits (the long ones exercise the decoder's sub-tables)."""
    rng = random.Random(1952)
    uniform = [rng.randrange(256) for _ in range(512)]
    skewed = [int(256 * rng.random() ** 4) for _ in range(2048)]
    return bytes(uniform + skewed)


def png_pixels():
    """The 13x7 test image: width, height, row-major bytes."""
    width, height = 13, 7
    return width, height, bytes((x * 19 + y * 37 + x * y * 5) % 256 for y in range(height) for x in range(width))


def png_file(width, height, pixels):
    """The PNG that PNG.encodeGrayscale writes: IHDR, one IDAT (a zlib stream of stored blocks), IEND."""
    raw = b"".join(b"\x00" + pixels[y * width:(y + 1) * width] for y in range(height))
    stream = b"\x78\x01"
    blocks = [raw[i:i + 65535] for i in range(0, len(raw), 65535)] or [b""]
    for i, block in enumerate(blocks):
        stream += bytes([1 if i == len(blocks) - 1 else 0]) + struct.pack("<HH", len(block), len(block) ^ 0xFFFF) + block
    stream += struct.pack(">I", zlib.adler32(raw))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", stream) + chunk(b"IEND", b"")


def decode_png(data):
    """Decodes an 8-bit grayscale PNG with zlib and struct, checking every chunk CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "PNG signature"
    offset, chunks = 8, []
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind, body = data[offset + 4:offset + 8], data[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])
        assert crc == zlib.crc32(kind + body), f"CRC of chunk {kind}"
        chunks.append((kind, body))
        offset += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1] == (b"IEND", b"")
    width, height, depth, color, method, filtering, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, color, method, filtering, interlace) == (8, 0, 0, 0, 0)
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    assert len(raw) == height * (width + 1)
    rows = [raw[y * (width + 1):(y + 1) * (width + 1)] for y in range(height)]
    assert all(row[0] == 0 for row in rows), "filter type 0 on every row"
    return width, height, b"".join(row[1:] for row in rows)


def flags_member(data):
    """A gzip member with FTEXT, FHCRC, FEXTRA, FNAME and FCOMMENT set (RFC 1952, 2.3)."""
    flags = 0x01 | 0x02 | 0x04 | 0x08 | 0x10
    header = b"\x1f\x8b\x08" + bytes([flags]) + struct.pack("<I", MTIME) + b"\x00\x03"
    extra = b"RK" + struct.pack("<H", 4) + b"test"  # one subfield: ID "RK", 4 bytes
    header += struct.pack("<H", len(extra)) + extra
    header += b"notes.txt\x00" + b"written by make_gzip_fixtures.py\x00"
    header += struct.pack("<H", zlib.crc32(header) & 0xFFFF)
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = compressor.compress(data) + compressor.flush()
    return header + body + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)


def gzip_cli(name, data, level):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, name)
        with open(path, "wb") as f:
            f.write(data)
        os.utime(path, (MTIME, MTIME))
        return subprocess.run(["gzip", "-c", f"-{level}", path], check=True, capture_output=True).stdout


def gzip_module(name, data, level):
    buffer = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", compresslevel=level, fileobj=buffer, mtime=0) as f:
        f.write(data)
    return buffer.getvalue()


def raw_deflate(data, level):
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def build():
    inputs = {"empty": b"", "text": text_input(), "random": random_input(), "large": large_input()}
    names = {"empty": "empty.txt", "text": "text.txt", "random": "random.bin", "large": "large.txt"}
    files = {}
    for key, data in inputs.items():
        for level in (1, 6, 9):
            files[f"{key}.cli{level}.gz"] = (key, "gzip", "gzip(1)", level, gzip_cli(names[key], data, level))
        for level in (0, 1, 6, 9):
            files[f"{key}.py{level}.gz"] = (key, "gzip", "python gzip", level, gzip_module(names[key], data, level))
            if not (key == "large" and level == 0):  # 66 KB; the gzip level-0 file covers stored blocks already
                files[f"{key}.zlib{level}.zz"] = (key, "zlib", "python zlib", level, zlib.compress(data, level))
        if key in ("text", "random"):
            files[f"{key}.raw6.deflate"] = (key, "deflate", "python zlib wbits=-15", 6, raw_deflate(data, 6))
    files["flags.gz"] = ("text", "gzip", "by hand (all header flags)", 6, flags_member(inputs["text"]))
    multi = files["text.cli6.gz"][4] + files["random.py9.gz"][4]
    files["multimember.gz"] = ("text+random", "gzip", "two members concatenated", 6, multi)
    inputs["text+random"] = inputs["text"] + inputs["random"]

    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "text.txt"), "wb") as f:
        f.write(inputs["text"])
    with open(os.path.join(OUT, "random.bin"), "wb") as f:
        f.write(inputs["random"])
    for name, (_, _, _, _, data) in files.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    width, height, pixels = png_pixels()
    with open(os.path.join(OUT, "image.png"), "wb") as f:
        f.write(png_file(width, height, pixels))
    manifest = {
        "inputs": {key: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "crc32": zlib.crc32(data)}
                   for key, data in inputs.items()},
        "files": [{"file": name, "input": key, "format": fmt, "tool": tool, "level": level}
                  for name, (key, fmt, tool, level, _) in sorted(files.items())],
    }
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


def check():
    """Decodes every committed fixture with Python's gzip and zlib and compares with the manifest."""
    with open(os.path.join(OUT, "manifest.json")) as f:
        manifest = json.load(f)
    assert large_input() == large_input() and len(large_input()) == manifest["inputs"]["large"]["size"]
    for key, name in (("text", "text.txt"), ("random", "random.bin")):
        with open(os.path.join(OUT, name), "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == manifest["inputs"][key]["sha256"], name
    assert hashlib.sha256(large_input()).hexdigest() == manifest["inputs"]["large"]["sha256"]
    total = 0
    for entry in manifest["files"]:
        with open(os.path.join(OUT, entry["file"]), "rb") as f:
            data = f.read()
        total += len(data)
        if entry["format"] == "gzip":
            decoded = gzip.decompress(data)
        elif entry["format"] == "zlib":
            decoded = zlib.decompress(data)
        else:
            decoded = zlib.decompress(data, -15)
        expected = manifest["inputs"][entry["input"]]
        assert hashlib.sha256(decoded).hexdigest() == expected["sha256"], entry["file"]
    with open(os.path.join(OUT, "image.png"), "rb") as f:
        png = f.read()
    assert decode_png(png) == png_pixels(), "image.png decodes to the test image"
    print(f"{len(manifest['files'])} compressed fixtures ({total} bytes) and image.png decode correctly")


if __name__ == "__main__":
    if "--check" not in sys.argv[1:]:
        build()
    check()
