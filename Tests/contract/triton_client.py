"""KServe v2 conformance with the real Triton HTTP client (tritonclient[http] from pip).

Usage: python3 Tests/contract/triton_client.py HOST:PORT MODEL IMAGE
Checks server/model liveness and metadata, FP32 inference (JSON and binary tensor data), BYTES
inference with an encoded image, and that both paths agree on the score.
"""
import sys

import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

url, model, image_path = sys.argv[1:4]
client = httpclient.InferenceServerClient(url=url)
passed = failed = 0


def check(name, ok):
    global passed, failed
    print(("  ok    " if ok else "  FAIL  ") + name)
    passed, failed = passed + bool(ok), failed + (not ok)


check("server live", client.is_server_live())
check("server ready", client.is_server_ready())
check("model ready", client.is_model_ready(model))
meta = client.get_model_metadata(model)
check("model metadata names inputs and outputs",
      {i["name"] for i in meta["inputs"]} == {"input", "image"}
      and {o["name"] for o in meta["outputs"]} == {"anomaly_score", "anomaly_map"})
size = next(i["shape"][-1] for i in meta["inputs"] if i["name"] == "input")

# BYTES: the encoded image, sent with the binary tensor data extension.
data = np.array([open(image_path, "rb").read()], dtype=np.object_)
image_input = httpclient.InferInput("image", [1], "BYTES")
image_input.set_data_from_numpy(data, binary_data=True)
result = client.infer(model, [image_input], outputs=[
    httpclient.InferRequestedOutput("anomaly_score", binary_data=True),
    httpclient.InferRequestedOutput("anomaly_map", binary_data=False)])
score = result.as_numpy("anomaly_score")
amap = result.as_numpy("anomaly_map")
check("BYTES infer returns a finite score", score is not None and score.shape == (1,) and np.isfinite(score).all())
check("anomaly_map shape [1,1,S,S]", amap is not None and amap.shape == (1, 1, size, size))
check("score is the map's maximum", abs(float(amap.max()) - float(score[0])) <= 1e-5 * max(1.0, abs(float(score[0]))))

# FP32: a normalised tensor, JSON and binary, must agree.
rng = np.random.default_rng(0)
tensor = rng.standard_normal((1, 3, size, size), dtype=np.float32)
scores = []
for binary in (False, True):
    inp = httpclient.InferInput("input", [1, 3, size, size], "FP32")
    inp.set_data_from_numpy(tensor, binary_data=binary)
    out = client.infer(model, [inp])
    scores.append(float(out.as_numpy("anomaly_score")[0]))
check(f"FP32 JSON and binary agree ({scores[0]:.6f} vs {scores[1]:.6f})", abs(scores[0] - scores[1]) <= 1e-5 * max(1, abs(scores[0])))

# Errors arrive as exceptions with the server's message.
try:
    bad = httpclient.InferInput("input", [1, 3, 8, 8], "FP32")
    bad.set_data_from_numpy(np.zeros((1, 3, 8, 8), dtype=np.float32))
    client.infer(model, [bad])
    check("wrong FP32 shape is rejected", False)
except InferenceServerException as e:
    check("wrong FP32 shape is rejected with a message", "shape" in str(e))
try:
    client.get_model_metadata("no-such-model")
    check("unknown model is rejected", False)
except InferenceServerException:
    check("unknown model is rejected", True)

print(f"triton: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
