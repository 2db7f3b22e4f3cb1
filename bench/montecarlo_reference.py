#!/usr/bin/env python3
"""NumPy reference for bench/montecarlo.bench.ts.

Samples FULL weight matrices, as the published nn-qft / nn-symmetry codes do (vectorised over a batch of
networks), and computes the same per-layer estimators as `nnft mc` with `--sampler full --estimator direct`:

  K_ab       = E[(1/n) sum_i z_ia z_ib]
  V_(ab)(cd) = n_prev * ( E_{i != j}[z_ia z_ib z_jc z_jd] - K_ab K_cd )           (pairs of distinct neurons)
  ntk mode:  the empirical NTK by the exact forward recursion
             Theta^(l+1)_ab = delta (lb + lw/n sigma_a.sigma_b) + (W D_a) Theta^(l)_ab (W D_b)^T
             and A, B, D, F from its i != j pair averages (docs/conventions.md).

Standard errors: grouped jackknife over G = 64 groups of networks (network index mod G), as in nnft.
Prints one JSON object: {"nets", "seconds", "cpuSeconds", "netsPerSecond", "layers": [{"K": {"mean","stderr"}, ...}]}.
"""
import argparse
import json
import time

import numpy as np


def relu(x):
    return np.maximum(x, 0.0)


def drelu(x):
    return (x > 0).astype(x.dtype)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--widths", default="64,64,64,64")
    ap.add_argument("--inputs", default="[[1,0],[0.3,0.8]]")
    ap.add_argument("--cb", type=float, default=0.0)
    ap.add_argument("--cw", type=float, default=2.0)
    ap.add_argument("--lb", type=float, default=1.0)
    ap.add_argument("--lw", type=float, default=1.0)
    ap.add_argument("--nets", type=int, default=20000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mode", choices=["preact", "ntk"], default="preact")
    ap.add_argument("--groups", type=int, default=64)
    a = ap.parse_args()

    widths = [int(w) for w in a.widths.split(",")]
    X = np.array(json.loads(a.inputs), dtype=np.float64).T  # n0 x m
    n0, m = X.shape
    L = len(widths)
    ntk = a.mode == "ntk"
    rng = np.random.default_rng(a.seed)

    # per-network statistics, per layer (kept in memory: the reference is simple, not streaming)
    stats = [dict() for _ in range(L)]

    def push(l, name, arr):
        stats[l].setdefault(name, []).append(arr)

    t0 = time.perf_counter()
    c0 = time.process_time()
    done = 0
    while done < a.nets:
        B = min(a.batch, a.nets - done)
        prev = np.broadcast_to(X, (B, n0, m))  # activations of the layer below, (B, nprev, m)
        theta = None  # (B, m, m, n, n)
        dprev = None
        for l, n in enumerate(widths):
            nprev = prev.shape[1]
            W = rng.standard_normal((B, n, nprev)) * np.sqrt(a.cw / nprev)
            b = rng.standard_normal((B, n, 1)) * np.sqrt(a.cb) if a.cb > 0 else 0.0
            z = W @ prev + b  # (B, n, m)
            S2 = np.einsum("bia,bic->bac", z, z) / n
            push(l, "S2", S2)
            push(l, "PP", np.einsum("bac,bde->bacde", S2, S2))
            push(l, "Q", np.einsum("bia,bic,bid,bie->bacde", z, z, z, z) / n)
            if ntk:
                H = a.lb + (a.lw / nprev) * np.einsum("bja,bjc->bac", prev, prev)  # (B, m, m)
                eye = np.eye(n)
                if l == 0:
                    theta = H[:, :, :, None, None] * eye
                else:
                    new = np.empty((B, m, m, n, n))
                    for p in range(m):
                        Mp = W * dprev[:, None, :, p]
                        for q in range(m):
                            Mq = W * dprev[:, None, :, q]
                            new[:, p, q] = Mp @ theta[:, p, q] @ np.swapaxes(Mq, 1, 2)
                    theta = new + H[:, :, :, None, None] * eye
                diag = np.einsum("bpqii->bpqi", theta)  # (B, m, m, n)
                dsum = diag.sum(-1)
                norm = 1.0 / (n * (n - 1))
                dd = np.einsum("bpqi,brsi->bpqrs", diag, diag)
                push(l, "th", dsum / n)
                push(l, "X", (np.einsum("bpq,brs->bpqrs", dsum, dsum) - dd) * norm)
                push(l, "Y", (np.einsum("bpqij,brsij->bpqrs", theta, theta) - dd) * norm)
                dz = np.einsum("bpqi,bic,bid->bpqcd", diag, z, z)
                push(l, "Zd", (np.einsum("bpq,bcd->bpqcd", dsum, S2 * n) - dz) * norm)
                push(l, "Zf", (np.einsum("bic,bpqij,bjd->bpqcd", z, theta, z) - dz) * norm)
            if l < L - 1:
                prev = relu(z)
                dprev = drelu(z)
        done += B
    seconds = time.perf_counter() - t0
    cpu_seconds = time.process_time() - c0  # all threads (BLAS included)

    G = a.groups
    idx = np.arange(a.nets) % G

    def jackknife(l, f):
        arrs = {k: np.concatenate(v) for k, v in stats[l].items()}
        tot = {k: v.sum(0) for k, v in arrs.items()}
        grp = {k: np.stack([v[idx == g].sum(0) for g in range(G)]) for k, v in arrs.items()}
        cnt = np.array([(idx == g).sum() for g in range(G)])
        val = f({k: tot[k] / a.nets for k in tot})
        reps = np.stack([f({k: (tot[k] - grp[k][g]) / (a.nets - cnt[g]) for k in tot}) for g in range(G)])
        se = np.sqrt((G - 1) / G * ((reps - reps.mean(0)) ** 2).sum(0))
        return {"mean": val.tolist(), "stderr": se.tolist()}

    layers = []
    for l, n in enumerate(widths):
        nprev = n0 if l == 0 else widths[l - 1]
        out = {"layer": l + 1, "width": n}
        out["K"] = jackknife(l, lambda mu: mu["S2"])
        out["V4"] = jackknife(
            l, lambda mu: nprev * ((n * mu["PP"] - mu["Q"]) / (n - 1) - np.einsum("ac,de->acde", mu["S2"], mu["S2"]))
        )
        if ntk:
            out["Theta"] = jackknife(l, lambda mu: mu["th"])
            out["A"] = jackknife(l, lambda mu: nprev * (mu["X"] - np.einsum("pq,rs->pqrs", mu["th"], mu["th"])))
            out["B"] = jackknife(l, lambda mu: nprev * np.transpose(mu["Y"], (0, 2, 1, 3)))
            out["D"] = jackknife(l, lambda mu: nprev * (mu["Zd"] - np.einsum("pq,cd->pqcd", mu["th"], mu["S2"])))
            out["F"] = jackknife(l, lambda mu: nprev * np.transpose(mu["Zf"], (0, 2, 1, 3)))
        layers.append(out)
    print(json.dumps({"nets": a.nets, "seconds": seconds, "cpuSeconds": cpu_seconds, "netsPerSecond": a.nets / seconds, "layers": layers}))


if __name__ == "__main__":
    main()
