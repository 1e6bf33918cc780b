"""The PyTorch peer of `npm run bench -- attention`: torch.nn.MultiheadAttention self-attention.

Run by bench/attention.ts once per round as
  python bench/attention_peer.py --threads 2 --batch 32 --tokens 128 --heads 4 --key-dim 32 --max-time 0.5
and prints one JSON line: {"version", "forward": [ms...], "train": [ms...]}: the times of the calls made in
--max-time seconds (at least 3) after one warm-up call, for the forward (inference mode) and for forward +
backward (gradients of sum(output) with respect to every weight), as bench/attention.ts times simdgrad's
layer. The model is Keras' MultiHeadAttention(num_heads, key_dim) with biases: model dim heads x key_dim, one
output projection; need_weights=False (Keras returns the scores only when asked). A missing torch prints
{"error": "not installed: ..."} and exits 0.
"""
import argparse
import json
import time

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--batch", type=int, default=32)
p.add_argument("--tokens", type=int, default=128)
p.add_argument("--heads", type=int, default=4)
p.add_argument("--key-dim", type=int, default=32)
p.add_argument("--max-time", type=float, default=0.5)
a = p.parse_args()

try:
    import numpy as np
    import torch
except ImportError as e:
    print(json.dumps({"error": f"not installed: {e}"}))
    raise SystemExit(0)

torch.set_num_threads(a.threads)
torch.manual_seed(0)
d = a.heads * a.key_dim
mha = torch.nn.MultiheadAttention(d, a.heads, bias=True, batch_first=True)
# the input of bench/attention.ts: sin(i * 0.37) * 0.5
x = torch.from_numpy((np.sin(np.arange(a.batch * a.tokens * d) * 0.37) * 0.5).astype(np.float32)
                     .reshape(a.batch, a.tokens, d))


def forward():
    with torch.inference_mode():
        mha(x, x, x, need_weights=False)[0].sum().item()


def train():
    mha.zero_grad(set_to_none=True)
    mha(x, x, x, need_weights=False)[0].sum().backward()
    for prm in mha.parameters():
        prm.grad.sum().item()


def samples(fn):
    fn()  # warm-up
    out, start = [], time.perf_counter()
    while len(out) < 3 or time.perf_counter() - start < a.max_time:
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


print(json.dumps({"version": torch.__version__, "forward": samples(forward), "train": samples(train)}))
