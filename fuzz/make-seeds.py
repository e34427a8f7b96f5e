#!/usr/bin/env python3
"""Writes the seed corpora (fuzz/corpus/<target>/seed-*) from what the project
already holds: the string literals of the parsers' tests, the JSON examples in
docs/, the board profiles and key map, and, for the binary targets, the shapes
the unit tests build (TS packets, RTP headers, CEC frames, cc_data). Run from
anywhere; the files are committed, so this only needs running again when the
tests gain new shapes. Seeds found by fuzzing (crashes fixed, new coverage)
are added beside them under other names and are never overwritten here.
"""

import hashlib
import pathlib
import re
import struct

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
MAX_SEED = 6144

LITERAL = re.compile(r'r(#*)"(.*?)"\1|"((?:[^"\\]|\\.)*)"', re.S)


def unescape(body):
    """A Rust string literal's text (the escapes the tests use)."""
    body = re.sub(r"\\\n\s*", "", body)  # line continuation
    body = re.sub(r"\\u\{([0-9a-fA-F]+)\}", lambda m: chr(int(m.group(1), 16)), body)
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            n = body[i + 1]
            if n == "x":
                out.append(chr(int(body[i + 2 : i + 4], 16)))
                i += 4
                continue
            out.append({"n": "\n", "r": "\r", "t": "\t", "0": "\0", "\\": "\\", '"': '"', "'": "'"}.get(n, n))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def literals(path):
    text = path.read_text(encoding="utf-8")
    for m in LITERAL.finditer(text):
        if m.group(2) is not None:
            yield m.group(2)
        else:
            yield unescape(m.group(3))


def byte_literals(path):
    """b"..." literals as bytes (\\xNN kept as the byte)."""
    text = path.read_text(encoding="utf-8")
    for m in re.finditer(r'b"((?:[^"\\]|\\.)*)"', text):
        yield unescape(m.group(1)).encode("latin-1", errors="replace")


def write(target, data, prefix=b""):
    if isinstance(data, str):
        data = data.encode("utf-8")
    data = prefix + data
    if not data or len(data) > MAX_SEED:
        return
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    name = "seed-" + hashlib.sha1(data).hexdigest()[:12]
    (d / name).write_bytes(data)


def from_sources(target, files, keep, prefix=b""):
    for f in files:
        for lit in literals(ROOT / f):
            if keep(lit):
                write(target, lit, prefix)


def json_blocks(doc):
    text = (ROOT / doc).read_text(encoding="utf-8")
    return re.findall(r"```json\n(.*?)```", text, re.S)


# --- text parsers: the tests' own inputs ---------------------------------

M3U = ["tests/feeds_offline.rs", "tests/trust_feeds.rs", "tests/ui_bad_input.rs", "tests/subtitles.rs",
       "src/lineup/m3u_tests.rs", "src/lineup/m3u.rs", "src/lineup/catchup_url.rs",
       "src/lineup/merge.rs", "src/lineup/multicast.rs", "src/lineup/headers.rs"]
is_m3u = lambda s: s.lstrip("\ufeff").startswith(("#EXTM3U", "#EXTINF"))
from_sources("m3u", M3U, is_m3u)
for f in ["src/lineup/m3u_tests.rs"]:
    for b in byte_literals(ROOT / f):
        if b.startswith(b"#EXT"):
            write("m3u", b)

XMLTV = ["src/guide/reader.rs", "src/guide/xmltv.rs", "src/guide/hostile_tests.rs",
         "src/guide/decode.rs", "src/guide/decompress.rs", "src/guide/record.rs",
         "src/guide/matching.rs", "src/guide/overlap.rs", "tests/guide_cli.rs"]
is_xml = lambda s: "<tv" in s or s.startswith("<?xml")
from_sources("xmltv", [f for f in XMLTV if (ROOT / f).exists()], is_xml)
# Compressed shapes: one small guide gzipped and xz'd (the reader sniffs the magic).
import gzip, lzma  # noqa: E402
small = ('<?xml version="1.0" encoding="UTF-8"?>\n<tv><channel id="a.1"><display-name>A</display-name></channel>'
         '<programme start="20261120180000 +0000" stop="20261120190000 +0000" channel="a.1"><title>News</title></programme></tv>\n')
write("xmltv", gzip.compress(small.encode(), mtime=0))
write("xmltv", lzma.compress(small.encode()))
write("xmltv", '<?xml version="1.0" encoding="ISO-8859-1"?>\n<tv><channel id="b"><display-name>T\xe9l\xe9</display-name></channel></tv>\n'.encode("latin-1"))

# Catch-up: 24 bytes of times (start, stop, now), a catchup-id line, a playlist.
NOW = 1_763_661_600  # 2025-11-20T18:00:00Z
times = struct.pack("<qqq", NOW - 7200, NOW - 3600, NOW)
running = struct.pack("<qqq", NOW - 600, NOW + 600, NOW)
for lit in [l for f in M3U for l in literals(ROOT / f) if is_m3u(l) and "catchup" in l]:
    write("catchup_url", lit, times)
    write("catchup_url", "prog-17\n" + lit, running)
for mode, source in [("default", "http://h/replay?s={utc}&e={utcend}&d={duration:60}"),
                     ("append", "?start=${start}&end=${end}&o={offset:1}&t={Y}-{m}-{d}T{H}:{M}:{S}"),
                     ("shift", ""), ("flussonic", ""), ("flussonic-ts", ""), ("xc", ""),
                     ("vod", "http://h/vod/{catchup-id}.m3u8?u={utc:Y/m/d}&n=${now:YmdHMS}")]:
    url = {"flussonic": "http://h/ch1/index.m3u8", "flussonic-ts": "http://h/ch1/mpegts",
           "xc": "http://h/live/user/pass/42.m3u8"}.get(mode, "http://h/live/1.m3u8|User-Agent=box")
    line = f'#EXTM3U\n#EXTINF:-1 tvg-id="c1" tvg-shift="1" catchup="{mode}" catchup-days="3" catchup-correction="-0.5"'
    if source:
        line += f' catchup-source="{source}"'
    write("catchup_url", f"prog-42\n{line},One\n{url}\n", times)

CATALOGUE = ["tests/archive_cache_limits.rs", "tests/archive_download.rs", "src/archive/catalogue.rs", "src/archive/download.rs", "src/archive/schedule.rs"]
is_json = lambda s: s.lstrip().startswith("{") and '"items"' in s
from_sources("archive_catalogue", [f for f in CATALOGUE if (ROOT / f).exists()], is_json, b"\x00")
for block in json_blocks("docs/archive-catalogue.md"):
    for j in range(3):
        write("archive_catalogue", block, bytes([j]))

for block in json_blocks("docs/interact-feed.md"):
    for j in [0, 1, 2, 5]:
        write("interact_feed", block, bytes([j]))
from_sources("interact_feed", ["tests/interact_feed.rs", "src/interact/feed.rs", "src/interact/cache.rs",
                               "src/interact/schedule.rs"], lambda s: is_json(s) and "{{" not in s, b"\x01")

HLS = ["tests/archive_cache_limits.rs", "tests/archive_download.rs", "src/archive/variants.rs", "src/archive/hls.rs", "src/archive/download.rs"]
is_hls = lambda s: s.startswith("#EXTM3U") and "#EXT-X-" in s
for f in HLS:
    for b in list(byte_literals(ROOT / f)) + [l.encode() for l in literals(ROOT / f)]:
        if is_hls(b.decode("latin-1")):
            if b"STREAM-INF" in b:
                for caps in [0, 1, 2, 7, 0x43]:
                    write("hls_master", b, bytes([caps]))
            else:
                write("hls_media", b)
write("hls_media", "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:0\n"
      "#EXTINF:4.0,\nseg0.ts\n#EXTINF:3.5,\n../seg1.ts\n#EXTINF:4,\nhttp://other/seg2.ts\n#EXT-X-ENDLIST\n")
write("hls_master", "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"en\",URI=\"audio/en.m3u8\"\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS=\"avc1.42e01e,mp4a.40.2\",AUDIO=\"aud\"\nlow/index.m3u8\n"
      "#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,URI=\"low/iframe.m3u8\"\n", b"\x05")

from_sources("webvtt", ["tests/subtitles.rs", "src/headend/archive.rs", "src/archive/transcript.rs",
                        "src/player/captions.rs"],
             lambda s: s.startswith("WEBVTT") or ("<" in s and ">" in s and "&" in s))

from_sources("trust_comment", ["src/trust/comment.rs", "src/trust/policy.rs", "src/trust/signature.rs",
                               "src/trust/check.rs"], lambda s: s.startswith("hustings-feed"))

for f in sorted((ROOT / "platform" / "boards").glob("*.toml")):
    write("board_profile", f.read_bytes())
write("keymap", (ROOT / "platform" / "keymaps" / "default.toml").read_bytes())
write("keymap", '[evdev]\n103 = "up"\n[lirc]\nKEY_EPG = "guide"\n[cec]\n"0x72" = "red"\n')

# --- binary parsers: the unit tests' shapes --------------------------------

PACKET = 188


def packet(pid, unit_start, random_access, cc, payload=b""):
    """player/ts.rs's test packet: PID, payload-unit start, random access, counter."""
    p = bytearray(b"\xff" * PACKET)
    p[0] = 0x47
    p[1] = (0x40 if unit_start else 0) | ((pid >> 8) & 0x1F)
    p[2] = pid & 0xFF
    if random_access:
        p[3] = 0x30 | (cc & 0x0F)
        p[4] = 7
        p[5] = 0x40
        p[12:16] = b"\x00\x00\x01\xe0"
    else:
        p[3] = 0x10 | (cc & 0x0F)
        if payload:
            p[4:4 + len(payload)] = payload
    return bytes(p)


def psi(pid, cc, section):
    return packet(pid, True, False, cc, b"\x00" + section)


def pat(pmt_pid):
    return bytes([0x00, 0xB0, 13, 0, 1, 0xC1, 0, 0, 0, 1, 0xE0 | (pmt_pid >> 8), pmt_pid & 0xFF, 1, 2, 3, 4])


def pmt(video_pid):
    v = [0xE0 | (video_pid >> 8), video_pid & 0xFF]
    return bytes([0x02, 0xB0, 18, 0, 1, 0xC1, 0, 0] + v + [0xF0, 0, 0x1B] + v + [0xF0, 0, 9, 9, 9, 9])


def stream(pmt_pid, video_pid, cc):
    return (packet(video_pid, False, False, cc) + psi(0, cc, pat(pmt_pid))
            + psi(pmt_pid, cc, pmt(video_pid)) + packet(video_pid, True, True, cc))


def rtp(payload, csrcs=0, ext=b"", padding=0):
    first = 0x80 | csrcs | (0x10 if ext else 0) | (0x20 if padding else 0)
    head = bytes([first, 33, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]) + b"\x09\x09\x09\x09" * csrcs
    if ext:
        head += b"\xbe\xde" + struct.pack(">H", len(ext) // 4) + ext
    return head + payload + (b"\x00" * (padding - 1) + bytes([padding]) if padding else b"")


def datagrams(*ds, zap=None):
    out = b""
    for i, d in enumerate(ds):
        word = len(d) | (0x8000 | zap if zap is not None and i == 0 else 0)
        out += struct.pack(">H", word) + d
    return out


write("multicast", datagrams(stream(0x1000, 0x100, 1), stream(0x1000, 0x100, 2)))
write("multicast", datagrams(rtp(stream(0x1000, 0x100, 1)), rtp(stream(0x1000, 0x200, 2), csrcs=1),
                             zap=2))
write("multicast", datagrams(stream(0x1010, 0x110, 3), zap=1)
      + datagrams(stream(0x1000, 0x100, 5), zap=0) + datagrams(packet(0x100, False, False, 6)))
write("multicast", datagrams(rtp(stream(0x1000, 0x100, 1), ext=b"\x00" * 8, padding=4),
                             b"".join(packet(0x100, False, False, cc) for cc in [0, 1, 2, 2, 3, 5, 6, 7])))
write("multicast", datagrams(b"not a transport stream", psi(0, 0, bytes([0x00, 0xB0, 9, 0, 1, 0xC1, 0, 0, 1, 2, 3, 4]))))

# CEC: the box (address 4, physical 1.0.0.0), then frames (length byte, bytes).
def frames(*fs):
    return b"".join(bytes([len(f)]) + bytes(f) for f in fs)


box = bytes([4, 0x10, 0x00])
write("cec", box + frames([0x04, 0x44, 0x01], [0x04, 0x44, 0x01], [0x04, 0x45], [0x04, 0x44, 0x72]))
write("cec", box + frames([0x0F, 0x86, 0x10, 0x00], [0x04, 0x83], [0x04, 0x46], [0x04, 0x8F], [0x04, 0x9F],
                          [0x04, 0x8C], [0x0F, 0x85], [0x0F, 0x80, 0x00, 0x00, 0x10, 0x00], [0x0F, 0x82, 0x20, 0x00],
                          [0x04, 0x36], [0x0F, 0x36], [0x04, 0x99, 0x01]))
write("cec", bytes([8, 0x21, 0x00]) + bytes([200]) + bytes(16) + frames([0x08]))

# Captions: frames of (type, length, meta data). 608 "HI" pop-on and 708 window text.
c608 = [(0x94, 0x20), (0x94, 0x20), (0xC8, 0x49), (0x94, 0x2F), (0x94, 0x2F)]
raw708 = bytes(sum(([0xFC, a, b] for a, b in c608), []))
write("captions", b"".join(bytes([0, len(raw708)]) + raw708 for _ in range(2)))
pairs = bytes(sum(([a, b] for a, b in c608), []))
write("captions", bytes([1, len(pairs)]) + pairs)
s334 = bytes(sum(([0x80, a, b] for a, b in c608), []))
write("captions", bytes([2, len(s334)]) + s334)
cdp = bytes([0x96, 0x69, 0, 0x4F, 0x43, 0, 0, 0x72, 0xE0 | len(c608)]) + raw708 + bytes([0x74, 0, 0, 0])
write("captions", bytes([3, len(cdp)]) + cdp)
# DTVCC: a packet header, service 1, DefineWindow 0 then text "HI" and DisplayWindows.
dtvcc = [0x02, 0x21, 0x98, 0x38, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x48, 0x49, 0x89, 0x01]
dtvcc[0] = (0 << 6) | ((len(dtvcc) + 1) // 2)
trip = b""
for i in range(0, len(dtvcc), 2):
    a, b = dtvcc[i], dtvcc[i + 1] if i + 1 < len(dtvcc) else 0
    trip += bytes([0xFF if i == 0 else 0xFE, a, b])
write("captions", bytes([0, len(trip)]) + trip)

print("seeds:", {d.name: len(list(d.iterdir())) for d in sorted(CORPUS.iterdir()) if d.is_dir()})
