#!/usr/bin/env python3
"""Plain NumPy reference for bench/gcnn.bench.ts and test/gcnn/kernels.test.ts: the infinite-width kernel K and
NTK Θ of a group-convolutional network on (input, group element) pairs, written directly from the recursions
(Misof, Kessel, Gerken, "Equivariant Neural Tangent Kernels"; docs/gcnn.md) with no orbit reduction and no caching:

  K1[(a,g),(b,g')] = C_b + C_W/(C0 |S1|) sum_{y in S1} f_a(g.y) . f_b(g'.y)       Theta1 likewise (lambda_b, lambda_W)
  F = C_b + C_W <s s>_K,   FT = lambda_b + lambda_W <s s>_K + C_W <s' s'>_K Theta
  K'[al, be] = (1/|S|) sum_{k in S} F[al k, be k],    Theta' likewise,        pooled: mean over g, g'

Every Gaussian expectation is a brute-force tensor Gauss-Hermite sum over the 2-D Gaussian of each pair of pairs.
Groups: C<N> (translations of Z_N) and p4:<N> (g = (r, t), g.x = R^r x + t, R(x0, x1) = (-x1, x0)), elements and
points numbered as in src/gcnn/groups.ts. Supports 'global' or 'local:k' (radius k).

Usage: gcnn_reference.py '<spec JSON: activation, group, inputs, channels, support, cb, cw, lambdaB, lambdaW>' [nodes] [repeats]
Prints JSON {"seconds": first solve, "median": median of `repeats` solves, "nodes": n,
             "layers": [{"K": pairs x pairs, "Theta": ..., "Kpooled": m x m, "Thetapooled": m x m}, ...]}.
"""
import json
import sys
import time

import numpy as np


def activation(name):
    if name == "tanh":
        return np.tanh, lambda z: 1.0 - np.tanh(z) ** 2
    if name == "erf":
        from scipy.special import erf

        return erf, lambda z: 2.0 / np.sqrt(np.pi) * np.exp(-z * z)
    raise SystemExit(f"reference implements tanh and erf only, not {name}")


def group(name):
    """(order, points, mul[g, h], act[g, x], N, kind)"""
    if name.startswith("C"):
        N = int(name[1:])
        g = np.arange(N)
        return N, N, (g[:, None] + g[None, :]) % N, (g[:, None] + g[None, :]) % N, N, "cyclic"
    N = int(name.split(":")[1])
    n = 4 * N * N

    def rot(r, x0, x1):
        for _ in range(r % 4):
            x0, x1 = (-x1) % N, x0
        return x0, x1

    def split(g):
        return g // (N * N), (g % (N * N)) // N, g % N

    mul = np.zeros((n, n), dtype=np.int64)
    act = np.zeros((n, N * N), dtype=np.int64)
    for g in range(n):
        r1, a1, b1 = split(g)
        for h in range(n):
            r2, a2, b2 = split(h)
            t0, t1 = rot(r1, a2, b2)
            mul[g, h] = ((r1 + r2) % 4) * N * N + ((a1 + t0) % N) * N + (b1 + t1) % N
        for x in range(N * N):
            t0, t1 = rot(r1, x // N, x % N)
            act[g, x] = ((a1 + t0) % N) * N + (b1 + t1) % N
    return n, N * N, mul, act, N, "p4"


def offsets(N, k):
    return sorted({d % N for d in range(-k, k + 1)})


def supports(spec, n, npts, N, kind, L):
    sup = spec.get("support", "global")
    lst = [s.strip() for s in sup.split(",")] if isinstance(sup, str) else list(sup)
    if len(lst) == 1:
        lst = lst * L
    lift = None
    conv = []
    for l, s in enumerate(lst):
        glob = s == "global"
        k = 0 if glob else int(s.split(":")[1])
        if l == 0:
            if glob:
                lift = np.arange(npts)
            else:
                o = offsets(N, k)
                lift = np.array(sorted({a * N + b for a in o for b in o} if kind == "p4" else set(o)))
        else:
            if glob:
                conv.append(np.arange(n))
            else:
                o = offsets(N, k)
                conv.append(np.array(sorted({r * N * N + a * N + b for r in range(4) for a in o for b in o} if kind == "p4" else set(o))))
    return lift, conv


def expectations(K, s, ds, x, w, with_p):
    """<s(u) s(v)> and <s'(u) s'(v)> for all pairs of pairs, (u, v) ~ N(0, [[K_aa, K_ab], [K_ab, K_bb]])."""
    M = K.shape[0]
    d = np.diag(K)
    ES = np.zeros((M, M))
    EP = np.zeros((M, M))
    sa = np.sqrt(np.maximum(d, 0.0))
    for a in range(M):
        ka = d[a]
        if ka <= 0:
            u = np.zeros_like(x)
            c = np.zeros(M)
            r = np.sqrt(np.maximum(d, 0.0))
        else:
            u = sa[a] * x
            c = K[a] / sa[a]
            r = np.sqrt(np.maximum(d - c * c, 0.0))
        # v[b, i, j] = c_b x_i + r_b x_j
        v = c[:, None, None] * x[None, :, None] + r[:, None, None] * x[None, None, :]
        W2 = w[:, None] * w[None, :]
        su = s(u)[None, :, None]
        ES[a] = np.einsum("bij,ij->b", su * s(v), W2)
        if with_p:
            EP[a] = np.einsum("bij,ij->b", ds(u)[None, :, None] * ds(v), W2)
    ES = 0.5 * (ES + ES.T)
    EP = 0.5 * (EP + EP.T)
    return ES, EP


def solve(spec, nodes=64):
    s, ds = activation(spec["activation"])
    n, npts, mul, act, N, kind = group(spec["group"])
    channels = spec["channels"]
    L = len(channels)

    def per(key, dflt):
        v = spec.get(key, dflt)
        return [float(v)] * L if not isinstance(v, list) else [float(t) for t in v]

    cb, cw, lb, lw = per("cb", 0.0), per("cw", 1.0), per("lambdaB", 1.0), per("lambdaW", 1.0)
    sigs = []
    for f in spec["inputs"]:
        a = np.asarray(f, dtype=float)
        a = a.reshape(npts, -1)  # points x channels
        sigs.append(a)
    m = len(sigs)
    C0 = sigs[0].shape[1]
    lift, conv = supports(spec, n, npts, N, kind, L)
    # lifted inputs V[(a, g), (y, c)] = f_a(g . y)_c
    V = np.stack([sig[act[g][lift]].ravel() for sig in sigs for g in range(n)])
    D = V @ V.T
    fan = C0 * len(lift)
    K = cb[0] + cw[0] / fan * D
    T = lb[0] + lw[0] / fan * D
    x, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / np.sqrt(2 * np.pi)
    M = m * n
    layers = [(K, T)]
    for l in range(1, L):
        S = conv[l - 1]
        ES, EP = expectations(K, s, ds, x, w, True)
        FK = cb[l] + cw[l] * ES
        FT = lb[l] + lw[l] * ES + cw[l] * EP * T
        # shift[al, k] = pair index of al . S[k]
        pa = np.arange(M) // n
        pg = np.arange(M) % n
        sh = pa[:, None] * n + mul[pg][:, S]
        K = FK[sh[:, None, :], sh[None, :, :]].mean(axis=-1)
        T = FT[sh[:, None, :], sh[None, :, :]].mean(axis=-1)
        layers.append((K, T))

    def pool(A):
        return A.reshape(m, n, m, n).mean(axis=(1, 3))

    return [{"K": K.tolist(), "Theta": T.tolist(), "Kpooled": pool(K).tolist(), "Thetapooled": pool(T).tolist()} for K, T in layers]


def main():
    spec = json.loads(sys.argv[1])
    nodes = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    times = []
    out = None
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        out = solve(spec, nodes)
        times.append(time.perf_counter() - t0)
    print(json.dumps({"seconds": times[0], "median": float(np.median(times)), "nodes": nodes, "layers": out}))


if __name__ == "__main__":
    main()
