"""Offline checks of deploy/k8s: renders the kustomization (kubectl kustomize, else a small
built-in renderer), validates every object against the Kubernetes JSON schemas bundled with
kubernetes-validate (strict: unknown fields fail) for the oldest and newest versions we
support, then checks that the objects agree with each other and with the binary's flags.

Usage: python3 Tests/deploy/check_k8s.py
"""
import os
import re
import shutil
import subprocess
import sys

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
K8S = os.path.join(ROOT, "deploy/k8s")
VERSIONS = ["1.28.0", "1.37.0"]
failures = 0


def check(cond, msg):
    global failures
    print(f"  {'ok   ' if cond else 'FAIL '} {msg}")
    failures += 0 if cond else 1
    return cond


def render():
    """The kustomization's output as a list of objects, and how it was rendered."""
    if shutil.which("kubectl"):
        r = subprocess.run(["kubectl", "kustomize", K8S], capture_output=True, text=True)
        if r.returncode == 0:
            return list(yaml.safe_load_all(r.stdout)), "kubectl kustomize"
        check(False, f"kubectl kustomize: {r.stderr.strip()[-500:]}")
    # Fallback: resources + namespace + images, the only transformers kustomization.yaml uses
    # besides labels (which add nothing that the checks below need).
    k = yaml.safe_load(open(os.path.join(K8S, "kustomization.yaml")))
    objs = []
    for res in k["resources"]:
        objs += [o for o in yaml.safe_load_all(open(os.path.join(K8S, res))) if o]
    for o in objs:
        if o["kind"] != "Namespace" and k.get("namespace"):
            o["metadata"]["namespace"] = k["namespace"]
        for c in o.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
            for img in k.get("images", []):
                if c["image"] == img["name"]:
                    c["image"] = f"{img.get('newName', img['name'])}:{img['newTag']}"
    return objs, "built-in renderer (no kubectl)"


def validate(objs, version):
    import kubernetes_validate
    errors = []
    for o in objs:
        try:
            kubernetes_validate.validate(o, version, strict=True)
        except kubernetes_validate.ValidationError as e:
            errors.append(f"{o['kind']}/{o['metadata']['name']}: {e.message} at {'.'.join(map(str, e.path))}")
        except Exception as e:  # unknown kind/version in the bundled schemas
            errors.append(f"{o['kind']}/{o['metadata']['name']}: {e}")
    return errors


def env_names_of_binary():
    """HKT_* variables that `hkt-serve serve` reads (Sources/hkt-serve/Serve.swift)."""
    src = open(os.path.join(ROOT, "Sources/hkt-serve/Serve.swift"), encoding="utf-8").read()
    ints = set(re.findall(r'Environment\.int\("(HKT_\w+)"\)', src))
    strings = set(re.findall(r'Environment\.string\("(HKT_\w+)"\)', src))
    return ints, strings


def quantity_bytes(q):
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "K": 10**3, "M": 10**6, "G": 10**9}
    m = re.fullmatch(r"(\d+)([KMG]i?)?", str(q))
    return int(m.group(1)) * units.get(m.group(2) or "", 1)


def main():
    objs, how = render()
    check(bool(objs), f"kustomization renders ({how}): {', '.join(o['kind'] for o in objs)}")
    example = [o for o in yaml.safe_load_all(open(os.path.join(K8S, "secret.example.yaml"))) if o]
    for v in VERSIONS:
        errs = validate(objs + example, v)
        check(not errs, f"all {len(objs) + len(example)} objects valid against Kubernetes {v} schemas (strict)"
              + ("" if not errs else ":\n        " + "\n        ".join(errs)))

    by_kind = {}
    for o in objs:
        by_kind.setdefault(o["kind"], []).append(o)
    need = ["Namespace", "ConfigMap", "Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler"]
    if not check(all(k in by_kind for k in need), f"has {', '.join(need)}"):
        return 1
    dep, svc, pdb, hpa, cm = (by_kind[k][0] for k in ["Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler", "ConfigMap"])
    pod = dep["spec"]["template"]
    labels = pod["metadata"]["labels"]
    c = pod["spec"]["containers"][0]
    sub = lambda sel: all(labels.get(k) == v for k, v in sel.items())  # noqa: E731
    check(sub(dep["spec"]["selector"]["matchLabels"]), "Deployment selector matches its pod labels")
    check(sub(svc["spec"]["selector"]), "Service selects the pods")
    check(sub(pdb["spec"]["selector"]["matchLabels"]), "PodDisruptionBudget selects the pods")
    t = hpa["spec"]["scaleTargetRef"]
    check(t["kind"] == "Deployment" and t["name"] == dep["metadata"]["name"], "HPA scales the Deployment")
    check(hpa["spec"]["minReplicas"] >= 2 and pdb["spec"].get("maxUnavailable") == 1,
          "HPA keeps ≥ 2 replicas and the PDB lets one go at a time (one always serves)")
    check("replicas" not in dep["spec"], "Deployment leaves replicas to the HPA")

    data = cm["data"]
    ints, strings = env_names_of_binary()
    check(bool(ints | strings), f"found {len(ints | strings)} HKT_* variables in Serve.swift")
    unknown = sorted(k for k in data if k.startswith("HKT_") and k not in ints | strings)
    check(not unknown, f"every ConfigMap HKT_* key is read by hkt-serve {unknown or ''}")
    non_int = sorted(k for k in data if k in ints and not re.fullmatch(r"\d+", str(data[k])))
    check(not non_int, f"integer variables hold integers {non_int or ''}")
    check(data.get("HKT_LOG_FORMAT") in ("text", "json") and data.get("HKT_LOG_LEVEL") in
          ("trace", "debug", "info", "notice", "warning", "error", "critical"), "log format and level are valid values")
    check("HKT_API_TOKEN" not in data and "HKT_ADMIN_TOKEN" not in data, "no token in the ConfigMap")
    envfrom = c.get("envFrom", [])
    check(any(e.get("configMapRef", {}).get("name") == cm["metadata"]["name"] for e in envfrom), "container reads the ConfigMap")
    secret = [e["secretRef"] for e in envfrom if "secretRef" in e]
    check(bool(secret) and secret[0].get("optional") is True and secret[0]["name"] == example[0]["metadata"]["name"]
          and "HKT_API_TOKEN" in example[0]["stringData"], "API token Secret is optional and matches secret.example.yaml")
    check(pod["spec"].get("enableServiceLinks") is False, "no service-link env vars (a Service 'hkt' would set HKT_PORT)")

    port = {p["name"]: p["containerPort"] for p in c["ports"]}.get("http")
    check(port == int(data["HKT_PORT"]), f"container port http = HKT_PORT ({port})")
    check(svc["spec"]["ports"][0]["targetPort"] in ("http", port), "Service targets the http port")
    probes = {k: c.get(k, {}).get("httpGet", {}) for k in ("startupProbe", "livenessProbe", "readinessProbe")}
    check(probes["startupProbe"].get("path") == "/healthz" and probes["livenessProbe"].get("path") == "/healthz"
          and probes["readinessProbe"].get("path") == "/readyz", "startup and liveness on /healthz, readiness on /readyz")
    check(all(p.get("port") in ("http", port) for p in probes.values()), "probes use the http port")
    sp = c["startupProbe"]
    check(sp["periodSeconds"] * sp["failureThreshold"] >= 60, "startup probe allows ≥ 60 s to load and warm up")

    drain = int(data["HKT_DRAIN_SECONDS"])
    pre = c.get("lifecycle", {}).get("preStop", {})
    pre_s = int(pre["exec"]["command"][-1]) if "exec" in pre else pre.get("sleep", {}).get("seconds", 0)
    grace = pod["spec"]["terminationGracePeriodSeconds"]
    check(grace > drain + pre_s, f"terminationGracePeriodSeconds {grace} > preStop {pre_s} + drain {drain}")

    res = c.get("resources", {})
    req, lim = res.get("requests", {}), res.get("limits", {})
    check("cpu" in req and "memory" in req and "memory" in lim, "requests cpu+memory, limits memory")
    if "memory" in req and "memory" in lim:
        check(quantity_bytes(lim["memory"]) >= quantity_bytes(req["memory"]) >= 512 * 2**20,
              f"memory request {req['memory']} ≥ 512Mi and ≤ limit {lim['memory']}")

    psc, csc = pod["spec"].get("securityContext", {}), c.get("securityContext", {})
    check(psc.get("runAsNonRoot") is True and psc.get("runAsUser", 0) > 0, "pod runs as non-root")
    docker = open(os.path.join(ROOT, "deploy/Dockerfile"), encoding="utf-8").read()
    user = re.findall(r"^USER (\d+)", docker, re.M)
    check(bool(user) and int(user[-1]) == psc.get("runAsUser"), f"runAsUser {psc.get('runAsUser')} = the image's USER")
    check(csc.get("readOnlyRootFilesystem") is True and csc.get("allowPrivilegeEscalation") is False
          and csc.get("capabilities", {}).get("drop") == ["ALL"]
          and psc.get("seccompProfile", {}).get("type") == "RuntimeDefault",
          "read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp (PSS restricted)")
    ns = by_kind["Namespace"][0]["metadata"].get("labels", {})
    check(ns.get("pod-security.kubernetes.io/enforce") == "restricted", "namespace enforces PSS restricted")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
