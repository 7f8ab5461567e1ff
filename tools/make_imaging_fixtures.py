#!/usr/bin/env python3
"""Writes the Imaging test fixtures to Tests/Fixtures/imaging/ (committed; `make test` never runs this).

Needs Pillow and numpy. Every fixture gets an entry in manifest.json with its expected outcome,
read by Tests/ImagingTests/FixtureManifestTests.swift:
  expect      "ok" or an ImagingError case name (unsupportedFormat, empty, tooLarge, corrupt,
              truncated, unsupportedFeature) or "error422" (any 422 error: random bit flips)
  width/height  decoded size (ok only); reference: a PNG with the expected RGB pixels,
  tolerance   max abs difference per byte against the reference; orientation: expected EXIF value
  contains    a substring the error message must contain
Resize goldens (resize_*.png) are PIL `Image.resize(size, BILINEAR)` outputs of resize_src_*.png;
model_input_32.bin is the float32 CHW tensor of pipeline(size 32) for resize_src_a.png.
Usage: python3 tools/make_imaging_fixtures.py [outdir]
"""
import io, json, os, struct, sys, zlib

import numpy as np
from PIL import Image, ImageDraw

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "imaging")
os.makedirs(OUT, exist_ok=True)
manifest = []


def put(name, data, **entry):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    entry["file"] = name
    manifest.append(entry)


def png_bytes(im, **kw):
    b = io.BytesIO()
    im.save(b, "PNG", **kw)
    return b.getvalue()


def jpeg_bytes(im, **kw):
    b = io.BytesIO()
    im.save(b, "JPEG", **kw)
    return b.getvalue()


def ref_png(name, arr):
    """Reference RGB pixels, stored as PNG (lossless)."""
    Image.fromarray(np.ascontiguousarray(arr, dtype=np.uint8), "RGB").save(os.path.join(OUT, name), "PNG", compress_level=9)
    return name


def pattern(w=48, h=32):
    """Asymmetric blocks so every orientation looks different: red top-left, green top-right,
    blue bottom-left, white bottom-right, a yellow bar along the top-left edge."""
    a = np.zeros((h, w, 3), np.uint8)
    a[: h // 2, : w // 2] = (220, 30, 30)
    a[: h // 2, w // 2:] = (30, 200, 40)
    a[h // 2:, : w // 2] = (30, 40, 210)
    a[h // 2:, w // 2:] = (240, 240, 240)
    a[:4, : w // 4] = (250, 220, 0)
    return a


def natural(w, h, seed=3, noise=3):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([80 + 120 * x / w, 60 + 150 * y / h, 200 - 120 * (x + y) / (w + h)], -1)
    for _ in range(4):
        fx, fy, ph = rng.uniform(1, 8, 3)
        img += rng.uniform(5, 20, 3) * np.sin(fx * x / w * 6.28 + fy * y / h * 6.28 + ph)[..., None]
    im = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(im)
    for _ in range(6):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.05, 0.2) * min(w, h)
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=tuple(int(c) for c in rng.integers(0, 255, 3)))
    a = np.asarray(im).astype(np.int16) + rng.integers(-noise, noise + 1, (h, w, 3))
    return np.clip(a, 0, 255).astype(np.uint8)


def chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def png_header_only(w, h, depth=8, ctype=2, with_idat=True):
    sig = b"\x89PNG\r\n\x1a\n"
    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 0))
    idat = chunk(b"IDAT", zlib.compress(b"\x00" * 64)) if with_idat else b""
    return sig + ihdr + idat + chunk(b"IEND", b"")


# ---------------------------------------------------------------- JPEG variants
base = natural(64, 48)
bim = Image.fromarray(base, "RGB")


def pil_decode(data):
    from PIL import ImageOps
    im = Image.open(io.BytesIO(data))
    im = ImageOps.exif_transpose(im)
    return np.asarray(im.convert("RGB"))


def jpeg_case(name, data, tol=3, **extra):
    ref = pil_decode(data)
    put(name, data, expect="ok", format="jpeg", width=ref.shape[1], height=ref.shape[0],
        reference=ref_png(name.replace(".jpg", ".ref.png"), ref), tolerance=tol, **extra)


jpeg_case("jpeg_baseline_420.jpg", jpeg_bytes(bim, quality=90))
jpeg_case("jpeg_baseline_444.jpg", jpeg_bytes(bim, quality=90, subsampling=0))
jpeg_case("jpeg_progressive.jpg", jpeg_bytes(bim, quality=85, progressive=True))
jpeg_case("jpeg_gray.jpg", jpeg_bytes(bim.convert("L"), quality=90))
jpeg_case("jpeg_cmyk.jpg", jpeg_bytes(bim.convert("CMYK"), quality=95), tol=4)
jpeg_case("jpeg_restart.jpg", jpeg_bytes(bim, quality=90, restart_marker_blocks=1))
jpeg_case("jpeg_odd_size.jpg", jpeg_bytes(Image.fromarray(natural(37, 23, 5), "RGB"), quality=90))

# DCT scaling: a larger, smooth frame (decoded at M/8 for minimumSide 256; no reference).
big = Image.fromarray(natural(1024, 768, 21, noise=0), "RGB")
bd = jpeg_bytes(big, quality=75)
put("jpeg_1024x768.jpg", bd, expect="ok", format="jpeg", width=1024, height=768, tolerance=255)
big.resize((256, 256), Image.Resampling.BILINEAR).save(os.path.join(OUT, "jpeg_1024x768.resized256.png"), "PNG", compress_level=9)

# Orientation: store the pattern transformed by the inverse of o, tag it o; upright = pattern.
from PIL import Image as _I
T = _I.Transpose
inverse = {1: None, 2: T.FLIP_LEFT_RIGHT, 3: T.ROTATE_180, 4: T.FLIP_TOP_BOTTOM, 5: T.TRANSPOSE,
           6: T.ROTATE_90, 7: T.TRANSVERSE, 8: T.ROTATE_270}
pat = Image.fromarray(pattern(), "RGB")
for o in range(1, 9):
    stored = pat if inverse[o] is None else pat.transpose(inverse[o])
    ex = Image.Exif()
    ex[0x0112] = o
    data = jpeg_bytes(stored, quality=95, subsampling=0, exif=ex.tobytes())
    ref = pil_decode(data)
    assert ref.shape[:2] == (32, 48), (o, ref.shape)
    put(f"jpeg_orientation_{o}.jpg", data, expect="ok", format="jpeg", width=48, height=32,
        orientation=o, reference=ref_png(f"jpeg_orientation_{o}.ref.png", ref), tolerance=3)


def with_app1(jpeg, payload):
    """Insert an APP1 segment with `payload` right after SOI."""
    seg = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + seg + jpeg[2:]


plain = jpeg_bytes(pat, quality=95, subsampling=0)
tiff_hdr = b"II*\x00" + struct.pack("<I", 8)
bad_exifs = {
    "exif_ifd_offset_past_end": b"Exif\x00\x00" + b"II*\x00" + struct.pack("<I", 4000),
    "exif_entry_count_huge": b"Exif\x00\x00" + tiff_hdr + struct.pack("<H", 65535) + b"\x00" * 12,
    "exif_orientation_9": b"Exif\x00\x00" + tiff_hdr + struct.pack("<H", 1) + struct.pack("<HHIHH", 0x0112, 3, 1, 9, 0),
    "exif_wrong_type": b"Exif\x00\x00" + tiff_hdr + struct.pack("<H", 1) + struct.pack("<HHIHH", 0x0112, 7, 1, 6, 0),
    "exif_bad_byte_order": b"Exif\x00\x00" + b"XX*\x00" + struct.pack("<I", 8),
    "exif_short": b"Exif\x00\x00II",
}
for n, payload in bad_exifs.items():
    put(f"jpeg_{n}.jpg", with_app1(plain, payload), expect="ok", format="jpeg", width=48, height=32,
        orientation=1, reference=ref_png(f"jpeg_{n}.ref.png", pil_decode(plain)), tolerance=3)
# Big-endian Exif written by hand (Pillow writes little-endian): orientation 6.
be = b"Exif\x00\x00" + b"MM\x00*" + struct.pack(">I", 8) + struct.pack(">H", 1) + struct.pack(">HHIHH", 0x0112, 3, 1, 6, 0)
put("jpeg_exif_big_endian_6.jpg", with_app1(plain, be), expect="ok", format="jpeg", width=32, height=48,
    orientation=6, reference=ref_png("jpeg_exif_big_endian_6.ref.png", np.rot90(pil_decode(plain), -1)), tolerance=3)

# Truncations: in the header, just after the scan header, mid-scan, near the end.
good = jpeg_bytes(bim, quality=90)
sos = good.index(b"\xff\xda")
for label, cut in [("header", 20), ("after_sos", sos + 14), ("half", len(good) // 2), ("minus10", len(good) - 10)]:
    put(f"jpeg_truncated_{label}.jpg", good[:cut], expect="truncated", contains="JPEG")
prog = jpeg_bytes(bim, quality=85, progressive=True)
put("jpeg_truncated_progressive.jpg", prog[: len(prog) * 2 // 3], expect="truncated")
put("jpeg_soi_only.jpg", b"\xff\xd8\xff", expect="truncated")


def patch(data, off, new):
    return data[:off] + new + data[off + len(new):]


sof = good.index(b"\xff\xc0")
put("jpeg_zero_width.jpg", patch(good, sof + 7, b"\x00\x00"), expect="corrupt")
put("jpeg_precision_12.jpg", patch(good, sof + 4, b"\x0c"), expect="error422")
put("jpeg_bad_components.jpg", patch(good, sof + 9, b"\x07"), expect="error422")
put("jpeg_bomb_65535.jpg", patch(good, sof + 5, b"\xff\xff\xff\xff"), expect="tooLarge", contains="65500")
put("jpeg_bomb_60000.jpg", patch(good, sof + 5, struct.pack(">HH", 60000, 60000)), expect="tooLarge", contains="50000000")
dht = good.index(b"\xff\xc4")
put("jpeg_bad_huffman_table.jpg", patch(good, dht + 5, b"\xff" * 16), expect="error422")
put("jpeg_garbage_scan.jpg", good[: sos + 14] + bytes(np.random.default_rng(1).integers(0, 255, 400, dtype=np.uint8)) + b"\xff\xd9",
    expect="error422")
rng = np.random.default_rng(9)
for i in range(6):
    b = bytearray(good)
    for _ in range(4):
        p = int(rng.integers(2, sos + 20))
        b[p] ^= 1 << int(rng.integers(0, 8))
    put(f"jpeg_bitflip_header_{i}.jpg", bytes(b), expect="error422_or_ok")

# ---------------------------------------------------------------- PNG variants
rgb = natural(40, 30, 7)
alpha = (np.mgrid[0:30, 0:40][1] * 255 // 39).astype(np.uint8)  # 0 at left, 255 at right


def composite(c, a):
    return ((c.astype(np.uint32) * a[..., None] + 127) // 255).astype(np.uint8)  # black background


def png_case(name, im, ref, **kw):
    put(name, png_bytes(im, **kw), expect="ok", format="png", width=ref.shape[1], height=ref.shape[0],
        reference=ref_png(name.replace(".png", ".ref.png"), ref), tolerance=0)


png_case("png_rgb8.png", Image.fromarray(rgb, "RGB"), rgb)
rgba = np.dstack([rgb, alpha])
png_case("png_rgba8.png", Image.fromarray(rgba, "RGBA"), composite(rgb, alpha))
gray = rgb[..., 1]
png_case("png_gray8.png", Image.fromarray(gray, "L"), np.dstack([gray] * 3))
png_case("png_gray_alpha8.png", Image.fromarray(np.dstack([gray, alpha]), "LA"), composite(np.dstack([gray] * 3), alpha))


def raw_png(w, h, depth, ctype, rows, plte=None, trns=None, interlace=0):
    """Hand-built PNG (Pillow cannot write 2-bit gray, 16-bit RGB, Adam7): rows are the
    already-packed scanlines; Adam7 passes are built by `adam7`."""
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, interlace))
    if plte is not None:
        out += chunk(b"PLTE", plte)
    if trns is not None:
        out += chunk(b"tRNS", trns)
    out += chunk(b"IDAT", zlib.compress(b"".join(b"\x00" + r for r in rows), 9))
    return out + chunk(b"IEND", b"")


def pack(samples, depth):
    """Pack a row of integer samples MSB first at `depth` bits (8/16 handled too)."""
    if depth == 8:
        return bytes(np.asarray(samples, np.uint8))
    if depth == 16:
        return np.asarray(samples, ">u2").tobytes()
    per = 8 // depth
    s = list(samples) + [0] * ((-len(samples)) % per)
    return bytes(sum(v << (8 - depth * (j + 1)) for j, v in enumerate(s[i:i + per])) for i in range(0, len(s), per))


def adam7_rows(arr, depth, spp):
    """Scanlines of all 7 Adam7 passes for an (h, w[, c]) sample array."""
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    rows = []
    for x0, y0, dx, dy in passes:
        sub = arr[y0::dy, x0::dx]
        if sub.size == 0:
            continue
        for r in sub:
            rows.append(pack(r.reshape(-1), depth))
    return rows


def scale16(v):
    return ((v.astype(np.uint32) * 255 + 32895) >> 16).astype(np.uint8)  # round(v/257), as png_set_scale_16


W, H = 21, 13
g = np.random.default_rng(4)
for depth in (1, 2, 4):
    maxv = (1 << depth) - 1
    s = g.integers(0, maxv + 1, (H, W))
    rows = [pack(r, depth) for r in s]
    v = (s * (255 // maxv)).astype(np.uint8)
    name = f"png_gray{depth}.png"
    data = raw_png(W, H, depth, 0, rows)
    put(name, data, expect="ok", format="png", width=W, height=H, reference=ref_png(name.replace(".png", ".ref.png"), np.dstack([v] * 3)), tolerance=0)
    # palette of the same depth
    n = 1 << depth
    pal = g.integers(0, 256, (n, 3)).astype(np.uint8)
    name = f"png_palette{depth}.png"
    put(name, raw_png(W, H, depth, 3, rows, plte=pal.tobytes()), expect="ok", format="png", width=W, height=H,
        reference=ref_png(name.replace(".png", ".ref.png"), pal[s]), tolerance=0)
# 8-bit palette with tRNS (some entries transparent / half)
s = g.integers(0, 16, (H, W))
pal = g.integers(0, 256, (16, 3)).astype(np.uint8)
tr = np.array([0, 128, 255, 64] + [255] * 12, np.uint8)
put("png_palette8_trns.png", raw_png(W, H, 8, 3, [pack(r, 8) for r in s], plte=pal.tobytes(), trns=tr[:4].tobytes()),
    expect="ok", format="png", width=W, height=H,
    reference=ref_png("png_palette8_trns.ref.png", composite(pal[s], tr[s])), tolerance=0)
# 16-bit gray, RGB, RGBA, gray+alpha
s16 = g.integers(0, 65536, (H, W, 4)).astype(np.uint16)
put("png_gray16.png", raw_png(W, H, 16, 0, [pack(r, 16) for r in s16[..., 0]]), expect="ok", format="png", width=W, height=H,
    reference=ref_png("png_gray16.ref.png", np.dstack([scale16(s16[..., 0])] * 3)), tolerance=0)
put("png_rgb16.png", raw_png(W, H, 16, 2, [pack(r.reshape(-1), 16) for r in s16[..., :3]]), expect="ok", format="png", width=W, height=H,
    reference=ref_png("png_rgb16.ref.png", scale16(s16[..., :3])), tolerance=0)
put("png_rgba16.png", raw_png(W, H, 16, 6, [pack(r.reshape(-1), 16) for r in s16]), expect="ok", format="png", width=W, height=H,
    reference=ref_png("png_rgba16.ref.png", composite(scale16(s16[..., :3]), scale16(s16[..., 3]))), tolerance=0)
put("png_gray_alpha16.png", raw_png(W, H, 16, 4, [pack(r.reshape(-1), 16) for r in s16[..., :2]]), expect="ok", format="png", width=W, height=H,
    reference=ref_png("png_gray_alpha16.ref.png", composite(np.dstack([scale16(s16[..., 0])] * 3), scale16(s16[..., 1]))), tolerance=0)
# gray with a tRNS colour key
s8 = g.integers(0, 4, (H, W)).astype(np.uint8) * 60
key = 60
put("png_gray8_trns.png", raw_png(W, H, 8, 0, [pack(r, 8) for r in s8], trns=struct.pack(">H", key)), expect="ok", format="png",
    width=W, height=H, reference=ref_png("png_gray8_trns.ref.png", np.dstack([np.where(s8 == key, 0, s8)] * 3).astype(np.uint8)), tolerance=0)
# Adam7: RGB 8, RGBA 8, gray 2-bit, palette 4-bit
put("png_rgb8_adam7.png", raw_png(W, H, 8, 2, adam7_rows(rgb[:H, :W], 8, 3), interlace=1), expect="ok", format="png", width=W, height=H,
    reference=ref_png("png_rgb8_adam7.ref.png", rgb[:H, :W]), tolerance=0)
put("png_rgba8_adam7.png", raw_png(W, H, 8, 6, adam7_rows(rgba[:H, :W], 8, 4), interlace=1), expect="ok", format="png", width=W, height=H,
    reference=ref_png("png_rgba8_adam7.ref.png", composite(rgb[:H, :W], alpha[:H, :W])), tolerance=0)
s2 = g.integers(0, 4, (H, W))
put("png_gray2_adam7.png", raw_png(W, H, 2, 0, adam7_rows(s2, 2, 1), interlace=1), expect="ok", format="png", width=W, height=H,
    reference=ref_png("png_gray2_adam7.ref.png", np.dstack([(s2 * 85).astype(np.uint8)] * 3)), tolerance=0)
pal16 = g.integers(0, 256, (16, 3)).astype(np.uint8)
s4 = g.integers(0, 16, (H, W))
put("png_palette4_adam7.png", raw_png(W, H, 4, 3, adam7_rows(s4, 4, 1), plte=pal16.tobytes(), interlace=1), expect="ok", format="png",
    width=W, height=H, reference=ref_png("png_palette4_adam7.ref.png", pal16[s4]), tolerance=0)
put("png_1x1.png", raw_png(1, 1, 8, 2, [b"\x10\x20\x30"]), expect="ok", format="png", width=1, height=1,
    reference=ref_png("png_1x1.ref.png", np.array([[[16, 32, 48]]], np.uint8)), tolerance=0)

# PNG errors
goodp = png_bytes(Image.fromarray(rgb, "RGB"))
for label, cut in [("signature", 5), ("ihdr", 20), ("half", len(goodp) // 2), ("before_iend", len(goodp) - 20)]:
    put(f"png_truncated_{label}.png", goodp[:cut], expect="truncated", contains="PNG")
put("png_bad_ihdr_crc.png", patch(goodp, 29, b"\x00\x00\x00\x00"), expect="corrupt")
idat = goodp.index(b"IDAT")
put("png_bad_idat_crc.png", patch(goodp, idat + 30, bytes([goodp[idat + 30] ^ 0x40])), expect="corrupt")
# zlib data corrupted but CRC recomputed: a decompression error, not a CRC error
raw = zlib.compress(b"".join(b"\x00" + r.tobytes() for r in rgb), 6)
bad = bytearray(raw); bad[10:20] = b"\xff" * 10
put("png_bad_zlib.png", b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 40, 30, 8, 2, 0, 0, 0)) + chunk(b"IDAT", bytes(bad)) + chunk(b"IEND", b""),
    expect="error422")
put("png_black_4x2.png", raw_png(4, 2, 8, 2, [b"\x00" * 12, b"\x00" * 12]), expect="ok", format="png", width=4, height=2,
    reference=ref_png("png_black_4x2.ref.png", np.zeros((2, 4, 3), np.uint8)), tolerance=0)
filt = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 2, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(b"\x09" + b"\x00" * 12 + b"\x00" + b"\x00" * 12)) + chunk(b"IEND", b"")
put("png_unknown_filter.png", filt, expect="corrupt")
short_idat = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 40, 30, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(b"\x00" * 200)) + chunk(b"IEND", b"")
put("png_not_enough_data.png", short_idat, expect="error422")
put("png_bomb_65535.png", png_header_only(65535, 65535), expect="tooLarge")
put("png_bomb_20000.png", png_header_only(20000, 20000), expect="tooLarge", contains="50000000")
put("png_zero_width.png", png_header_only(0, 10), expect="corrupt")
put("png_bad_depth.png", png_header_only(10, 10, depth=3), expect="corrupt")
put("png_bad_color_type.png", png_header_only(10, 10, ctype=5), expect="corrupt")
put("png_palette_missing_plte.png", raw_png(2, 2, 8, 3, [b"\x00\x00", b"\x00\x00"]), expect="corrupt")
for i in range(6):
    b = bytearray(goodp)
    for _ in range(3):
        p = int(rng.integers(8, 60))
        b[p] ^= 1 << int(rng.integers(0, 8))
    put(f"png_bitflip_header_{i}.png", bytes(b), expect="error422_or_ok")

# ---------------------------------------------------------------- other formats and junk
small = Image.fromarray(pattern(8, 8), "RGB")
for fmt, ext, name in [("GIF", "gif", "GIF"), ("BMP", "bmp", "BMP"), ("WEBP", "webp", "WebP"), ("TIFF", "tif", "TIFF")]:
    b = io.BytesIO(); small.save(b, fmt); put(f"other_{ext}.{ext}", b.getvalue(), expect="unsupportedFormat", contains=name)
put("other_tiff_be.tif", b"MM\x00*" + b"\x00" * 20, expect="unsupportedFormat", contains="TIFF")
put("other_avif.avif", b"\x00\x00\x00\x1cftypavif" + b"\x00" * 16, expect="unsupportedFormat", contains="AVIF")
put("other_text.txt", b"hello, this is not an image\n", expect="unsupportedFormat", contains="unknown")
put("other_empty.bin", b"", expect="empty")

# ---------------------------------------------------------------- resize goldens (PIL BILINEAR)
srcs = {"a": natural(300, 200, 11), "b": natural(97, 61, 12), "c": natural(700, 520, 13, noise=0)}
targets = {"a": [(256, 256), (123, 77), (300, 100)], "b": [(256, 256), (31, 200)], "c": [(256, 256), (64, 48)]}
resize_cases = []
for k, arr in srcs.items():
    Image.fromarray(arr, "RGB").save(os.path.join(OUT, f"resize_src_{k}.png"), "PNG", compress_level=9)
    for (tw, th) in targets[k]:
        out = Image.fromarray(arr, "RGB").resize((tw, th), Image.Resampling.BILINEAR)
        nm = f"resize_{k}_{tw}x{th}.png"
        out.save(os.path.join(OUT, nm), "PNG", compress_level=9)
        resize_cases.append({"source": f"resize_src_{k}.png", "golden": nm, "width": tw, "height": th})
mean = np.array([0.485, 0.456, 0.406], np.float32).reshape(3, 1, 1)
std = np.array([0.229, 0.224, 0.225], np.float32).reshape(3, 1, 1)
r32 = Image.fromarray(srcs["a"], "RGB").resize((32, 32), Image.Resampling.BILINEAR)
chw = np.ascontiguousarray((np.asarray(r32, np.float32).transpose(2, 0, 1) * np.float32(1.0 / 255.0) - mean) / std).astype("<f4")
with open(os.path.join(OUT, "model_input_32.bin"), "wb") as f:
    f.write(chw.tobytes())

with open(os.path.join(OUT, "manifest.json"), "w") as f:
    json.dump({"decode": manifest, "resize": resize_cases,
               "model_input": {"source": "resize_src_a.png", "size": 32, "file": "model_input_32.bin"}}, f, indent=1)
total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
print(f"{len(manifest)} decode fixtures, {len(resize_cases)} resize goldens, {total / 1e3:.0f} kB in {OUT}")
