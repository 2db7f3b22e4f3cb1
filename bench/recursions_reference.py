#!/usr/bin/env python3
"""Plain NumPy reference for bench/recursions.bench.ts: K, Θ, V4, K¹ of a deep MLP on two inputs in the
ORIGINAL (PDLT ch. 4) form — inverse kernels and polynomial weights in z, every expectation a brute-force
tensor Gauss–Hermite sum over the 2-D Gaussian N(0, K⁽ℓ⁾) — with no integration by parts and no caching
beyond the obvious per-layer arrays.

  K'   = C_b + C_W ⟨σ_a σ_b⟩
  Θ'   = λ_b + λ_W ⟨σ_a σ_b⟩ + C_W ⟨σ'_a σ'_b⟩ Θ_ab
  V'   = C_W² (⟨σ_a1 σ_a2 σ_a3 σ_a4⟩ − ⟨σ_a1 σ_a2⟩⟨σ_a3 σ_a4⟩)
         + (C_W²/4) r Σ_β V^(β1β2)(β3β4) ⟨σ_a1 σ_a2 (z_β1 z_β2 − K_β1β2)⟩ ⟨σ_a3 σ_a4 (z_β3 z_β4 − K_β3β4)⟩
  K1'  = C_W r [ ½ Σ_β K1^β1β2 ⟨σ_a1 σ_a2 (z_β1 z_β2 − K_β1β2)⟩ + ⅛ Σ_β V^(β1β2)(β3β4) ⟨σ_a1 σ_a2 h_β1β2β3β4(z)⟩ ]
  with raised indices V^β = K^β1γ1 K^β2γ2 K^β3γ3 K^β4γ4 V_γ (K^·· = K⁻¹), K1^β1β2 = K^β1γ1 K^β2γ2 K1_γ1γ2, and
  h_1234 = z1z2z3z4 − (K12 z3z4 + 5 more) + (K12K34 + K13K24 + K14K23) the 4th Hermite tensor in z.

Usage: recursions_reference.py '{"activation":"tanh","inputs":[[1,0.5],[0.2,-0.9]],"widths":[...],
        "cb":0,"cw":1,"lambdaB":1,"lambdaW":1}' [nodes] [repeats]
Prints JSON {"seconds": compute time of the first solve, "median": median over `repeats` solves in this process
(default 1), "nodes": n, "layers": [{"K":…,"Theta":…,"V4":…,"K1":…}, …]}.
Accuracy: with the default 64 nodes per dimension the tanh results agree with 96 nodes to ~1e-12
(the benchmark checks this, and agreement with the TypeScript solver).
"""
import json
import sys
import time

import numpy as np


def sigma_and_derivative(name):
    if name == "tanh":
        return np.tanh, lambda z: 1.0 - np.tanh(z) ** 2
    if name == "erf":
        from scipy.special import erf

        return erf, lambda z: 2.0 / np.sqrt(np.pi) * np.exp(-z * z)
    raise SystemExit(f"reference implements tanh and erf only, not {name}")


def solve(spec, nodes=64):
    X = np.asarray(spec["inputs"], dtype=float)
    m, n0 = X.shape
    widths = spec["widths"]
    L = len(widths)
    cb, cw = float(spec.get("cb", 0)), float(spec.get("cw", 1))
    lb, lw = float(spec.get("lambdaB", 1)), float(spec.get("lambdaW", 1))
    sig, dsig = sigma_and_derivative(spec["activation"])

    # brute-force tensor Gauss–Hermite grid for the m-dimensional standard normal
    x1, w1 = np.polynomial.hermite_e.hermegauss(nodes)
    w1 = w1 / np.sqrt(2 * np.pi)
    grids = np.meshgrid(*([x1] * m), indexing="ij")
    U = np.stack([g.ravel() for g in grids])  # (m, P)
    W = np.ones(U.shape[1])
    for g in np.meshgrid(*([w1] * m), indexing="ij"):
        W = W * g.ravel()

    def E(f):
        return float(np.dot(W, f))

    idx2 = [(a, b) for a in range(m) for b in range(m)]
    idx4 = [(a, b, c, d) for a in range(m) for b in range(m) for c in range(m) for d in range(m)]

    K = cb + cw / n0 * X @ X.T
    T = lb + lw / n0 * X @ X.T
    V = np.zeros((m,) * 4)
    K1 = np.zeros((m, m))
    layers = [dict(K=K.tolist(), Theta=T.tolist(), V4=V.tolist(), K1=K1.tolist())]
    for l in range(1, L):
        r = widths[l - 1] / (n0 if l == 1 else widths[l - 2])
        Lc = np.linalg.cholesky(K)
        z = Lc @ U
        s = sig(z)
        ds = dsig(z)
        Kinv = np.linalg.inv(K)

        SS = np.zeros((m, m))
        PP = np.zeros((m, m))
        for a, b in idx2:
            SS[a, b] = E(s[a] * s[b])
            PP[a, b] = E(ds[a] * ds[b])
        # ⟨σ_a σ_b (z_β1 z_β2 − K_β1β2)⟩
        T2 = np.zeros((m,) * 4)
        for a, b in idx2:
            for b1, b2 in idx2:
                T2[a, b, b1, b2] = E(s[a] * s[b] * (z[b1] * z[b2] - K[b1, b2]))
        # ⟨σ_a σ_b h_β1β2β3β4(z)⟩
        T4 = np.zeros((m,) * 6)
        for b1, b2, b3, b4 in idx4:
            h = (
                z[b1] * z[b2] * z[b3] * z[b4]
                - (K[b1, b2] * z[b3] * z[b4] + K[b1, b3] * z[b2] * z[b4] + K[b1, b4] * z[b2] * z[b3]
                   + K[b2, b3] * z[b1] * z[b4] + K[b2, b4] * z[b1] * z[b3] + K[b3, b4] * z[b1] * z[b2])
                + (K[b1, b2] * K[b3, b4] + K[b1, b3] * K[b2, b4] + K[b1, b4] * K[b2, b3])
            )
            for a, b in idx2:
                T4[a, b, b1, b2, b3, b4] = E(s[a] * s[b] * h)

        Vup = np.einsum("ae,bf,cg,dh,efgh->abcd", Kinv, Kinv, Kinv, Kinv, V)
        K1up = Kinv @ K1 @ Kinv

        Vn = np.zeros((m,) * 4)
        for a1, a2, a3, a4 in idx4:
            t = E(s[a1] * s[a2] * s[a3] * s[a4]) - SS[a1, a2] * SS[a3, a4]
            u = 0.0
            for b in idx4:
                u += Vup[b] * T2[a1, a2, b[0], b[1]] * T2[a3, a4, b[2], b[3]]
            Vn[a1, a2, a3, a4] = cw * cw * t + cw * cw / 4 * r * u
        K1n = np.zeros((m, m))
        for a, b in idx2:
            u2 = sum(K1up[b1, b2] * T2[a, b, b1, b2] for b1, b2 in idx2)
            u4 = sum(Vup[bb] * T4[(a, b) + bb] for bb in idx4)
            K1n[a, b] = cw * r * (0.5 * u2 + 0.125 * u4)
        Tn = lb + lw * SS + cw * PP * T
        K = cb + cw * SS
        T, V, K1 = Tn, Vn, K1n
        layers.append(dict(K=K.tolist(), Theta=T.tolist(), V4=V.tolist(), K1=K1.tolist()))
    return layers


def main():
    spec = json.loads(sys.argv[1])
    nodes = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    times = []
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        layers = solve(spec, nodes)
        times.append(time.perf_counter() - t0)
    print(json.dumps({"seconds": times[0], "median": sorted(times)[len(times) // 2], "nodes": nodes, "layers": layers}))


if __name__ == "__main__":
    main()
