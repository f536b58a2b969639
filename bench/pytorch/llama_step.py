#!/usr/bin/env python3
"""PyTorch-eager reference for Engram's agent model (not a test).

Two modes, both plain PyTorch (no transformers, no peft; this script installs nothing):

  --parity DIR   Hugging Face Llama forward written out in torch ops, on the model folder DIR
                 (config.json, model.safetensors in F32/F16/BF16) that AgentModelParityBench wrote,
                 for the ids in DIR/parity.json; prints the largest |logit difference| against the
                 logits Engram computed (also in parity.json).
  (default)      The shapes of dev.engram.bench.AgentModelStepBench: SmolLM2-135M (30 layers, hidden
                 576, 9 query / 3 key-value heads of 64, SwiGLU 1536, vocabulary 49,152, tied
                 embeddings) with random weights, batch x length random ids; LoRA r 8, alpha 16 on
                 q/k/v/o, the next-token loss on the second half of each row, clipping at 1.0, AdamW
                 (lr 2e-4, weight decay 0.01). Prints the median step time, forward tokens/s (no
                 grad) and peak RSS; the last line is JSON, which the Java benchmark parses.

Getting torch: apt-get install -y python3-torch libopenblas0-pthread (see encoder_and_lora_step.py
for why OpenBLAS matters). Threads follow --threads.
"""
import argparse
import json
import math
import os
import statistics
import struct
import sys
import time


def _threads_arg():
    for i, a in enumerate(sys.argv):
        if a == "--threads" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
    return "2"


os.environ.setdefault("OPENBLAS_NUM_THREADS", _threads_arg())
os.environ.setdefault("OMP_NUM_THREADS", _threads_arg())

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    start = 8 + n
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        b, e = t["data_offsets"]
        raw = bytearray(data[start + b:start + e])
        if t["dtype"] == "F32":
            x = torch.frombuffer(raw, dtype=torch.float32)
        elif t["dtype"] == "F16":
            x = torch.frombuffer(raw, dtype=torch.float16).float()
        elif t["dtype"] == "BF16":
            x = torch.frombuffer(raw, dtype=torch.bfloat16).float()
        else:
            raise ValueError(name + ": dtype " + t["dtype"])
        out[name] = x.reshape(t["shape"]).clone()
    return out


class Llama:
    """Hugging Face's LlamaForCausalLM forward (eval), in torch ops, over a dict of weights."""

    def __init__(self, cfg, w, lora=None):
        self.c = cfg
        self.w = w
        self.lora = lora or {}
        d = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
        self.d = d
        inv = 1.0 / (cfg.get("rope_theta", 10000.0) ** (torch.arange(0, d, 2, dtype=torch.float32) / d))
        self.inv_freq = inv

    def linear(self, x, name):
        y = x @ self.w[name + ".weight"].t()
        if name in self.lora:
            a, b, s = self.lora[name]
            y = y + (x @ a.t()) @ b.t() * s
        return y

    def norm(self, x, name):
        eps = self.c.get("rms_norm_eps", 1e-6)
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * self.w[name + ".weight"]

    def logits(self, ids):
        c = self.c
        bsz, t = ids.shape
        h, kvh, d = c["num_attention_heads"], c.get("num_key_value_heads", c["num_attention_heads"]), self.d
        x = self.w["model.embed_tokens.weight"][ids]
        pos = torch.arange(t, dtype=torch.float32)
        freqs = torch.outer(pos, self.inv_freq)
        emb = torch.cat([freqs, freqs], dim=-1)
        cos, sin = emb.cos(), emb.sin()

        def rope(q):
            q1, q2 = q[..., : d // 2], q[..., d // 2:]
            return q * cos + torch.cat([-q2, q1], dim=-1) * sin

        mask = torch.full((t, t), float("-inf")).triu(1)
        for i in range(c["num_hidden_layers"]):
            p = "model.layers.%d." % i
            y = self.norm(x, p + "input_layernorm")
            q = rope(self.linear(y, p + "self_attn.q_proj").view(bsz, t, h, d).transpose(1, 2))
            k = rope(self.linear(y, p + "self_attn.k_proj").view(bsz, t, kvh, d).transpose(1, 2))
            v = self.linear(y, p + "self_attn.v_proj").view(bsz, t, kvh, d).transpose(1, 2)
            k = k.repeat_interleave(h // kvh, dim=1)
            v = v.repeat_interleave(h // kvh, dim=1)
            att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + mask, dim=-1)
            x = x + self.linear((att @ v).transpose(1, 2).reshape(bsz, t, h * d), p + "self_attn.o_proj")
            y = self.norm(x, p + "post_attention_layernorm")
            g = self.linear(y, p + "mlp.gate_proj")
            x = x + self.linear(F.silu(g) * self.linear(y, p + "mlp.up_proj"), p + "mlp.down_proj")
        x = self.norm(x, "model.norm")
        head = self.w["model.embed_tokens.weight"] if c.get("tie_word_embeddings") else self.w["lm_head.weight"]
        return x @ head.t()


def peak_rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def parity(folder):
    cfg = json.load(open(os.path.join(folder, "config.json")))
    w = read_safetensors(os.path.join(folder, "model.safetensors"))
    ref = json.load(open(os.path.join(folder, "parity.json")))
    ids = torch.tensor(ref["ids"], dtype=torch.long).view(1, -1)
    with torch.no_grad():
        logits = Llama(cfg, w).logits(ids).flatten()
    engram = torch.tensor(ref["logits"], dtype=torch.float32)
    diff = (logits - engram).abs().max().item()
    print("max |logit difference| %.3g over %d logits" % (diff, engram.numel()))
    print(json.dumps({"torch": torch.__version__, "max_abs_diff": diff, "logits": engram.numel()}))


def step_bench(args):
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    cfg = dict(vocab_size=49152, hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
               num_attention_heads=9, num_key_value_heads=3, head_dim=64, rms_norm_eps=1e-5,
               rope_theta=100000.0, tie_word_embeddings=True)
    hd, inter, d = cfg["hidden_size"], cfg["intermediate_size"], cfg["head_dim"]
    shapes = {"model.embed_tokens.weight": (cfg["vocab_size"], hd), "model.norm.weight": (hd,)}
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        shapes.update({p + "input_layernorm.weight": (hd,), p + "post_attention_layernorm.weight": (hd,),
                       p + "self_attn.q_proj.weight": (9 * d, hd), p + "self_attn.k_proj.weight": (3 * d, hd),
                       p + "self_attn.v_proj.weight": (3 * d, hd), p + "self_attn.o_proj.weight": (hd, 9 * d),
                       p + "mlp.gate_proj.weight": (inter, hd), p + "mlp.up_proj.weight": (inter, hd),
                       p + "mlp.down_proj.weight": (hd, inter)})
    w = {k: (torch.ones(s) if len(s) == 1 else (torch.rand(s) - 0.5) * 0.1) for k, s in shapes.items()}
    lora = {}
    params = []
    for i in range(cfg["num_hidden_layers"]):
        for proj in ("q_proj", "k_proj", "v_proj", "o_proj"):
            name = "model.layers.%d.self_attn.%s" % (i, proj)
            out_f, in_f = shapes[name + ".weight"]
            a = torch.empty(8, in_f)
            torch.nn.init.kaiming_uniform_(a, a=math.sqrt(5))
            a.requires_grad_(True)
            b = torch.zeros(out_f, 8, requires_grad=True)
            lora[name] = (a, b, 16 / 8)
            params += [a, b]
    model = Llama(cfg, w, lora)
    g = torch.Generator().manual_seed(7)
    ids = torch.randint(0, cfg["vocab_size"], (args.batch, args.length + 1), generator=g)
    inputs, labels = ids[:, :-1], ids[:, 1:]
    half = (args.length + 1) // 2
    mask = torch.zeros(args.batch, args.length)
    mask[:, half - 1:] = 1.0
    opt = torch.optim.AdamW(params, lr=2e-4, weight_decay=0.01)
    times = []
    for s in range(args.warmup + args.steps):
        t0 = time.perf_counter()
        logits = model.logits(inputs)
        nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), reduction="none")
        loss = (nll * mask.reshape(-1)).sum() / mask.sum()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        times.append((time.perf_counter() - t0) * 1000)
    step_ms = statistics.median(times[args.warmup:])
    rates = []
    with torch.no_grad():
        for _ in range(4):
            t0 = time.perf_counter()
            model.logits(inputs)
            rates.append(args.batch * args.length / (time.perf_counter() - t0))
    fwd = statistics.median(rates[1:])
    print("PyTorch LoRA step: median %.0f ms; forward %.0f tokens/s" % (step_ms, fwd))
    print(json.dumps({"torch": torch.__version__, "lora_step_ms_median": step_ms,
                      "forward_tokens_per_s_median": fwd, "peak_rss_mib": peak_rss_mib()}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--parity", metavar="DIR")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--length", type=int, default=128)
    args = ap.parse_args()
    if args.parity:
        parity(args.parity)
    else:
        step_bench(args)


if __name__ == "__main__":
    main()
