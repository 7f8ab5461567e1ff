"""Measures what deploy/ sizes from: RSS (VmRSS/VmHWM from /proc) and CPU of a real hkt-serve
with the shipped weights, idle and under predict load of several frame sizes, sequential and
concurrent, with and without heatmaps. Not part of run.sh (it takes a minute or two).

Usage: python3 Tests/deploy/measure_rss.py BIN [WEIGHTS_DIR] [--concurrency N]
Needs Pillow for the JPEG frames (pip install Pillow).
"""
import io
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from PIL import Image

argv = [a for a in sys.argv[1:]]
conc = 4
if "--concurrency" in argv:
    i = argv.index("--concurrency")
    conc = int(argv[i + 1])
    del argv[i:i + 2]
BIN = argv[0]
WEIGHTS = argv[1] if len(argv) > 1 else "weights"


def frame(w, h, seed=1):
    """A textured JPEG (noise over a gradient: realistic compressed size)."""
    random.seed(seed)
    img = Image.linear_gradient("L").resize((w, h)).convert("RGB")
    noise = Image.effect_noise((w, h), 40).convert("RGB")
    out = io.BytesIO()
    Image.blend(img, noise, 0.5).save(out, "JPEG", quality=90)
    return out.getvalue()


def status(pid):
    d = {}
    for line in open(f"/proc/{pid}/status"):
        k, _, v = line.partition(":")
        d[k] = v.strip()
    return int(d["VmRSS"].split()[0]) // 1024, int(d["VmHWM"].split()[0]) // 1024


def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def post(url, body, ctype="image/jpeg"):
    req = urllib.request.Request(url, data=body, headers={"Content-Type": ctype}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=300) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
base = f"http://127.0.0.1:{port}"
t0 = time.time()
p = subprocess.Popen([BIN, "serve", "--host", "127.0.0.1", "--port", str(port), "--weights", WEIGHTS],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
while True:
    try:
        if urllib.request.urlopen(base + "/readyz", timeout=5).status == 200:
            break
    except Exception:
        if p.poll() is not None:
            sys.exit(f"server exited {p.returncode}")
        time.sleep(0.1)
print(f"ready after {time.time() - t0:.1f} s; RSS {status(p.pid)[0]} MiB, peak {status(p.pid)[1]} MiB; {os.cpu_count()} cores")
frames = {"640x480": frame(640, 480), "1920x1080": frame(1920, 1080), "4000x3000": frame(4000, 3000)}
try:
    for name, body in frames.items():
        for query in ("", "?heatmap=png"):
            c0, t = cpu(p.pid), time.time()
            codes = [post(base + "/v1/predict" + query, body) for _ in range(3)]
            dt, dc = (time.time() - t) / 3, (cpu(p.pid) - c0) / 3
            rss, hwm = status(p.pid)
            print(f"{name:>9} {len(body) // 1024:>6} KiB {query or 'score only':<13} x3 sequential: {codes} "
                  f"{dt * 1000:7.0f} ms wall {dc * 1000:7.0f} ms CPU; RSS {rss} MiB, peak {hwm} MiB")
    for name in ("1920x1080", "4000x3000"):
        codes = []
        c0, t = cpu(p.pid), time.time()
        ts = [threading.Thread(target=lambda: codes.append(post(base + "/v1/predict?heatmap=png", frames[name])))
              for _ in range(conc)]
        [x.start() for x in ts]
        [x.join() for x in ts]
        rss, hwm = status(p.pid)
        print(f"{name:>9} x{conc} concurrent heatmap: {sorted(codes)} {time.time() - t:6.1f} s wall "
              f"{cpu(p.pid) - c0:6.1f} s CPU; RSS {rss} MiB, peak {hwm} MiB")
finally:
    p.terminate()
    p.wait(timeout=60)
