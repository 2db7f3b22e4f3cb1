#!/usr/bin/env python3
"""NumPy reference for bench/training.bench.ts: full-batch gradient descent of MLPs, one network at a time.

Same networks and conventions as src/training/network.ts:
  z1 = x W1^T + b1,  z_{l+1} = sigma(z_l) W_{l+1}^T + b_{l+1},  f = z_L;  L = 1/2 sum_alpha |f(x_alpha) - y_alpha|^2
  W_l <- W_l - eta * (lambda_W / n_{l-1}) * dL/dW_l,   b_l <- b_l - eta * lambda_b * dL/db_l
with dL/dW_l = Delta_l^T sigma(z_{l-1}), Delta_{l-1} = (Delta_l W_l) * sigma'(z_{l-1}), Delta_L = f - Y (matrices are
points x neurons). Matrix products go through BLAS (run with OPENBLAS_NUM_THREADS=1 for one thread).

Modes (JSON on stdin, JSON on stdout):
  "check": {"params": [[W1, b1, W2, b2, ...] per network], ...} -> test predictions after `steps` steps, for
           comparing the same initial networks with nnft;
  "time":  random initial networks (numpy default_rng), reports networks, seconds and network*steps/s.
"""
import json
import sys
import time

import numpy as np


def act(name):
    if name == "tanh":
        return np.tanh, lambda z: 1.0 - np.tanh(z) ** 2
    if name == "relu":
        return (lambda z: np.maximum(z, 0.0)), (lambda z: (z > 0).astype(z.dtype))
    raise SystemExit(f"unknown activation {name}")


def train(Ws, bs, X, Y, T, steps, lr, lb, lw, sigma, dsigma):
    L = len(Ws)
    for s in range(steps + 1):
        S = [X]
        DS = []
        for l in range(L):
            z = S[-1] @ Ws[l].T + bs[l]
            if l < L - 1:
                S.append(sigma(z))
                DS.append(dsigma(z))
            else:
                f = z
        if s == steps:
            break
        delta = f - Y
        for l in range(L - 1, -1, -1):
            nprev = Ws[l].shape[1]
            nxt = (delta @ Ws[l]) * DS[l - 1] if l > 0 else None
            Ws[l] -= lr * lw[l] / nprev * (delta.T @ S[l])
            bs[l] -= lr * lb[l] * delta.sum(axis=0)
            delta = nxt
    out = T
    for l in range(L):
        out = out @ Ws[l].T + bs[l]
        if l < L - 1:
            out = sigma(out)
    return out


def main():
    d = json.load(sys.stdin)
    X = np.array(d["X"], float)
    Y = np.array(d["Y"], float)
    T = np.array(d["T"], float)
    sigma, dsigma = act(d["activation"])
    L = len(d["widths"])
    lb, lw = d["lb"], d["lw"]
    if d["mode"] == "check":
        res = []
        for p in d["params"]:
            Ws = [np.array(p[2 * l], float).reshape(d["widths"][l], -1) for l in range(L)]
            bs = [np.array(p[2 * l + 1], float) for l in range(L)]
            res.append(train(Ws, bs, X, Y, T, d["steps"], d["lr"], lb, lw, sigma, dsigma).tolist())
        print(json.dumps(res))
        return
    rng = np.random.default_rng(1)
    widths = d["widths"]
    n0 = X.shape[1]
    t0 = time.perf_counter()
    c0 = time.process_time()
    for _ in range(d["nets"]):
        Ws, bs = [], []
        for l, n in enumerate(widths):
            nprev = n0 if l == 0 else widths[l - 1]
            Ws.append(rng.standard_normal((n, nprev)) * np.sqrt(d["cw"] / nprev))
            bs.append(rng.standard_normal(n) * np.sqrt(d["cb"]))
        train(Ws, bs, X, Y, T, d["steps"], d["lr"], lb, lw, sigma, dsigma)
    sec = time.perf_counter() - t0
    cpu = time.process_time() - c0
    print(json.dumps({"nets": d["nets"], "seconds": sec, "cpuSeconds": cpu, "netStepsPerSecond": d["nets"] * d["steps"] / sec}))


if __name__ == "__main__":
    main()
