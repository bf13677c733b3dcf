"""Rewrites the AudioSpecificConfig of an MP4's AAC track (moov after mdat) from implicit HE-AAC
signalling (object type 2 at the core rate) to explicit (object type 5, the output rate given)."""
import struct, sys
CONTAINERS = {b'moov', b'trak', b'mdia', b'minf', b'stbl'}
def boxes(b):
    i = 0
    while i < len(b):
        size, kind = struct.unpack('>I4s', b[i:i + 8])
        yield kind, b[i + 8:i + size]
        i += size
def box(kind, payload):
    return struct.pack('>I4s', 8 + len(payload), kind) + payload
def desc(tag, payload):
    return bytes([tag, len(payload)]) + payload
def read_desc(b, i):
    tag = b[i]; i += 1; n = 0
    while True:
        c = b[i]; i += 1; n = (n << 7) | (c & 0x7F)
        if not c & 0x80: break
    return tag, b[i:i + n], i + n
def explicit(asc):
    bits = int.from_bytes(asc[:2], 'big')
    aot, sfi, ch = bits >> 11, (bits >> 7) & 15, (bits >> 3) & 15
    assert aot == 2, aot
    ext = sfi - 3  # twice the rate: 24000 (6) -> 48000 (3), 22050 (7) -> 44100 (4)
    v = (5 << 27) | (sfi << 23) | (ch << 19) | (ext << 15) | (2 << 10)  # then GASpecificConfig 000
    return v.to_bytes(4, 'big')
def esds(p):
    _, es, _ = read_desc(p, 4)
    head, rest = es[:3], es[3:]
    _, dc, j = read_desc(rest, 0)
    sl = rest[j:]
    _, asc, _ = read_desc(dc, 13)
    return p[:4] + desc(3, head + desc(4, dc[:13] + desc(5, explicit(asc))) + sl)
def walk(kind, p):
    if kind in CONTAINERS:
        return box(kind, b''.join(walk(k, q) for k, q in boxes(p)))
    if kind == b'stsd':
        return box(kind, p[:8] + b''.join(walk(k, q) for k, q in boxes(p[8:])))
    if kind == b'mp4a':
        return box(kind, p[:28] + b''.join(walk(k, q) for k, q in boxes(p[28:])))
    if kind == b'esds':
        return box(kind, esds(p))
    return box(kind, p)
data = open(sys.argv[1], 'rb').read()
top = list(boxes(data))
assert [k for k, _ in top].index(b'moov') > [k for k, _ in top].index(b'mdat'), 'moov must follow mdat'
open(sys.argv[2], 'wb').write(b''.join(walk(k, p) for k, p in top))
