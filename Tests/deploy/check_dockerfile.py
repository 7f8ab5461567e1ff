"""Static checks of deploy/Dockerfile that hadolint does not make: the shape issue 9 asks for
(multi-stage Swift 6 bookworm builder → slim runtime, static Swift stdlib, non-root, HEALTHCHECK,
exec-form ENTRYPOINT, SIGTERM), and that every COPY source exists and survives the
Dockerfile-specific .dockerignore; then rebuilds the build context as Docker would send it and
checks with SwiftPM's reading of Package.swift that every target's folder is in it.

Usage: python3 Tests/deploy/check_dockerfile.py [Dockerfile]
"""
import fnmatch
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "deploy/Dockerfile")
failures = 0


def check(cond, msg):
    global failures
    print(f"  {'ok   ' if cond else 'FAIL '} {msg}")
    failures += 0 if cond else 1


text = open(path, encoding="utf-8").read()
# Join continuation lines, drop comments.
lines, cur = [], ""
for raw in text.splitlines():
    s = raw.strip()
    if not s or (s.startswith("#") and not cur):
        continue
    if s.startswith("#"):
        continue
    cur += (" " if cur else "") + s.rstrip("\\").strip()
    if not s.endswith("\\"):
        lines.append(cur)
        cur = ""
args = {m.group(1): m.group(2) for m in (re.match(r"ARG (\w+)=(\S+)", line) for line in lines) if m}
stages, stage = [], None
for line in lines:
    op, _, rest = line.partition(" ")
    op = op.upper()
    if op == "FROM":
        image = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), rest.split()[0])
        stage = {"image": image, "name": rest.split()[-1] if " AS " in rest.upper() else None, "ops": []}
        stages.append(stage)
    elif stage is not None:
        stage["ops"].append((op, rest))

check(len(stages) >= 2, f"multi-stage ({len(stages)} stages)")
build, run = stages[0], stages[-1]
check(re.match(r"swift:6(\.\d+)*-bookworm$", build["image"]) is not None, f"builder is Swift 6 on bookworm ({build['image']})")
check(run["image"] == "debian:bookworm-slim", f"runtime is debian:bookworm-slim ({run['image']})")
build_runs = " ".join(r for o, r in build["ops"] if o == "RUN")
check("swift build -c release --static-swift-stdlib" in build_runs, "builds release with --static-swift-stdlib")
run_ops = dict()
for o, r in run["ops"]:
    run_ops.setdefault(o, []).append(r)
runtime_runs = " ".join(run_ops.get("RUN", []))
check("swift" not in runtime_runs.replace("--static-swift-stdlib", ""), "runtime stage installs no Swift toolchain")
m = re.search(r"apt-get install (.*?)(&&|$)", runtime_runs)
apt = [w for w in (m.group(1).split() if m else []) if not w.startswith("-")]
check(set(apt) >= {"libjpeg62-turbo", "libpng16-16", "libnghttp2-14"} and any(a.startswith("libopenblas0") for a in apt),
      f"runtime installs the codec, BLAS and nghttp2 libraries ({' '.join(apt)})")
check(not any(a.endswith("-dev") for a in apt), "no -dev packages in the runtime stage")
check("--no-install-recommends" in runtime_runs and "rm -rf /var/lib/apt/lists" in runtime_runs,
      "apt without recommends, lists removed")
user = run_ops.get("USER", [""])[-1].split(":")[0]
check(user not in ("", "0", "root"), f"runs as a non-root USER ({user})")
check(re.search(rf"useradd .*--uid {user}\b", runtime_runs) is not None if user.isdigit() else False,
      "that uid is created as a system user")
entry = run_ops.get("ENTRYPOINT", [""])[-1]
check(entry.startswith("[") and "hkt-serve" in entry, f"exec-form ENTRYPOINT (hkt-serve is PID 1): {entry}")
check(run_ops.get("STOPSIGNAL", [""])[-1] == "SIGTERM", "STOPSIGNAL SIGTERM")
hc = run_ops.get("HEALTHCHECK", [""])[-1]
check("CMD" in hc and "/healthz" in hc and "--start-period" in hc, f"HEALTHCHECK on /healthz with a start period")
env = " ".join(run_ops.get("ENV", []))
drain = re.search(r"HKT_DRAIN_SECONDS=(\d+)", env)
check(drain is not None, "HKT_DRAIN_SECONDS set in the image")
check("8080" in " ".join(run_ops.get("EXPOSE", [])) and "HKT_PORT=8080" in env, "EXPOSE 8080 = HKT_PORT")
check("HKT_WEIGHTS=/opt/hkt-serve/weights" in env and any("/opt/hkt-serve/weights" in r for r in run_ops.get("COPY", [])),
      "weights baked in at HKT_WEIGHTS")

# COPY sources: present in the repository and not excluded by <Dockerfile>.dockerignore.
ignore_path = path + ".dockerignore"
patterns = []
if os.path.exists(ignore_path):
    for line in open(ignore_path, encoding="utf-8"):
        line = line.strip()
        if line and not line.startswith("#"):
            patterns.append(line)
check(bool(patterns), f"{os.path.basename(ignore_path)} exists next to the Dockerfile")


def ignored(rel):
    """Docker's rule: the last matching pattern wins; '!' re-includes; a dir pattern covers its files."""
    out = False
    for p in patterns:
        neg = p.startswith("!")
        pat = p[1:] if neg else p
        pat = pat.rstrip("/")
        parts = rel.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(fnmatch.fnmatch(x, pat) or fnmatch.fnmatch(x, pat.replace("**/", "")) for x in prefixes):
            out = not neg
    return out


missing, excluded = [], []
for o, r in run["ops"] + build["ops"]:
    if o != "COPY" or "--from=" in r:
        continue
    srcs = [s for s in r.split()[:-1] if not s.startswith("--")]
    for s in srcs:
        s = s.rstrip("/")
        hits = glob.glob(os.path.join(ROOT, s))
        if not hits and "[" not in s:  # Package.resolve[d] is optional on purpose
            missing.append(s)
        for h in hits:
            rel = os.path.relpath(h, ROOT)
            files = [rel] if os.path.isfile(h) else [os.path.relpath(os.path.join(d, f), ROOT)
                                                     for d, _, fs in os.walk(h) for f in fs][:200]
            if files and all(ignored(f) for f in files):
                excluded.append(s)
check(not missing, f"every COPY source exists {missing or ''}")
check(not excluded, f"no COPY source is excluded by the .dockerignore {excluded or ''}")
check(ignored(".build-x/release/hkt-serve") and ignored("training/train.py"), "build folders and training/ stay out of the context")

# The context as Docker would send it (weights left out: large, and not read by SwiftPM).
if not patterns:
    print("  skip  build-context check: no .dockerignore (the context would be the whole tree)")
elif shutil.which("swift"):
    ctx = tempfile.mkdtemp(prefix="hkt-context.")
    try:
        sent = 0
        for d, dirs, files in os.walk(ROOT):
            rd = os.path.relpath(d, ROOT)
            dirs[:] = [x for x in dirs if x != ".git" and not ignored(os.path.normpath(os.path.join(rd, x)) + "/.probe")
                       or any(p.startswith("!" + os.path.normpath(os.path.join(rd, x))) for p in patterns)]
            for f in files:
                rel = os.path.normpath(os.path.join(rd, f))
                if ignored(rel) or rel.endswith(".safetensors"):
                    continue
                os.makedirs(os.path.join(ctx, os.path.dirname(rel)), exist_ok=True)
                shutil.copy(os.path.join(ROOT, rel), os.path.join(ctx, rel))
                sent += 1
        # dump-package evaluates the manifest without resolving dependencies (no network, no
        # shared-cache lock); each target's folder must then be in the context, as SwiftPM
        # requires when `swift build` loads the package.
        r = subprocess.run(["swift", "package", "dump-package"], cwd=ctx, capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            check(False, f"SwiftPM evaluates Package.swift in the build context: {r.stderr.strip()[-600:]}")
        else:
            import json
            targets = json.loads(r.stdout)["targets"]
            default = {"test": "Tests"}
            absent = [t["name"] for t in targets
                      if not os.path.isdir(os.path.join(ctx, t.get("path") or os.path.join(default.get(t["type"], "Sources"), t["name"])))]
            check(not absent and any(t["name"] == "hkt-serve" for t in targets),
                  f"every target's folder of Package.swift is in the build context ({sent} files sent) {absent or ''}")
    finally:
        shutil.rmtree(ctx, ignore_errors=True)
else:
    print("  skip  swift not on PATH: build-context package check not run")
sys.exit(1 if failures else 0)
