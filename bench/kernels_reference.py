"""NumPy references for bench/kernels.bench.ts (the many-input K and Theta engine).

Conventions as in nnft (PDLT normalisation, per-layer C_b, C_W, lambda_b, lambda_W):
  K1 = C_b + C_W x.x/n0,  Theta1 = lambda_b + lambda_W x.x/n0,
  K' = C_b + C_W <s s>_K,  Theta' = lambda_b + lambda_W <s s>_K + C_W <s' s'>_K Theta.

Subcommands (each prints one JSON line on stdout):
  inputs M N0 SEED PATH  M seeded standard-normal inputs in N0 dimensions, as JSON
  measure CMD...         run CMD, report wall seconds, user/sys CPU seconds and peak RSS (kB) of the child
  relu CONFIG            the arc-cosine closed form (Cho & Saul) over all pairs, full matrices, row blocks;
                         saves K_<L>.npy and Theta_<L>.npy in CONFIG.out
  gh CONFIG              tanh by 2-D Gauss-Hermite with CONFIG.nodes nodes per dimension over all pairs
                         (vectorised over pairs, what neural-tangents does for activations without a closed form)
  compare A.npy B.npy    max relative difference of two arrays (entrywise |a-b|/|b|, and relative to max|b|)
  pairs CONFIG           converged pair-local recursions (2-D Gauss-Legendre on panels, checked against a rule
                         with 1.5x the nodes) for sampled pairs, compared with the final-layer files of nnft and GH
CONFIG is a JSON string: {"inputs": path, "widths": [...], "cb": [...], "cw": [...], "lambdaB": [...],
"lambdaW": [...], "out": dir, ...}.
"""
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np


def per_layer(cfg, key, default):
    L = len(cfg["widths"])
    v = cfg.get(key, default)
    return list(v) if isinstance(v, list) else [v] * L


def load_inputs(path):
    with open(path) as f:
        return np.asarray(json.load(f), dtype=np.float64)


def first_layer(X, cb, cw, lb, lw):
    n0 = X.shape[1]
    G = X @ X.T
    return cb + (cw / n0) * G, lb + (lw / n0) * G


def relu(cfg):
    t0 = time.time()
    X = load_inputs(cfg["inputs"])
    cb, cw = per_layer(cfg, "cb", 0.0), per_layer(cfg, "cw", 1.0)
    lb, lw = per_layer(cfg, "lambdaB", 1.0), per_layer(cfg, "lambdaW", 1.0)
    L = len(cfg["widths"])
    K, T = first_layer(X, cb[0], cw[0], lb[0], lw[0])
    m = K.shape[0]
    block = max(1, int(2e6 // m))
    for l in range(1, L):
        s = np.sqrt(np.diag(K)).copy()
        for a0 in range(0, m, block):
            a1 = min(m, a0 + block)
            ss = np.outer(s[a0:a1], s)
            rho = np.clip(K[a0:a1] / ss, -1.0, 1.0)
            rho[np.arange(a1 - a0), np.arange(a0, a1)] = 1.0  # exactly 1 on the diagonal (arccos is ill-conditioned there)
            th = np.arccos(rho)
            j1 = (np.sqrt(1.0 - rho * rho) + (np.pi - th) * rho) / (2 * np.pi)
            S = ss * j1
            P = (np.pi - th) / (2 * np.pi)
            T[a0:a1] = lb[l] + lw[l] * S + cw[l] * P * T[a0:a1]
            K[a0:a1] = cb[l] + cw[l] * S
    os.makedirs(cfg["out"], exist_ok=True)
    np.save(os.path.join(cfg["out"], f"K_{L}.npy"), K)
    np.save(os.path.join(cfg["out"], f"Theta_{L}.npy"), T)
    print(json.dumps({"seconds": time.time() - t0, "m": m}))


def tanh_gh(cfg):
    t0 = time.time()
    X = load_inputs(cfg["inputs"])
    cb, cw = per_layer(cfg, "cb", 0.0), per_layer(cfg, "cw", 1.0)
    lb, lw = per_layer(cfg, "lambdaB", 1.0), per_layer(cfg, "lambdaW", 1.0)
    L = len(cfg["widths"])
    n = int(cfg.get("nodes", 25))
    x, w = np.polynomial.hermite_e.hermegauss(n)
    w = w / np.sqrt(2 * np.pi)
    K, T = first_layer(X, cb[0], cw[0], lb[0], lw[0])
    m = K.shape[0]
    block = max(1, int(4e6 // (m * n * n)))
    for l in range(1, L):
        s = np.sqrt(np.diag(K)).copy()
        fa = np.tanh(s[:, None] * x[None, :])  # (m, n): sigma(s_a x_i)
        da = 1.0 - fa * fa
        Knew = np.empty_like(K)
        Tnew = np.empty_like(T)
        for a0 in range(0, m, block):
            a1 = min(m, a0 + block)
            rho = np.clip(K[a0:a1] / np.outer(s[a0:a1], s), -1.0, 1.0)  # (r, m)
            rho[np.arange(a1 - a0), np.arange(a0, a1)] = 1.0
            c = np.sqrt(1.0 - rho * rho)
            # z_b = s_b (rho x_i + c y_j): shape (r, m, n, n)
            zb = s[None, :, None, None] * (rho[:, :, None, None] * x[None, None, :, None] + c[:, :, None, None] * x[None, None, None, :])
            fb = np.tanh(zb)
            inner_s = fb @ w  # (r, m, n): sum_j w_j sigma(z_b)
            inner_d = (1.0 - fb * fb) @ w
            S = np.einsum("ri,rmi->rm", fa[a0:a1] * w[None, :], inner_s)
            P = np.einsum("ri,rmi->rm", da[a0:a1] * w[None, :], inner_d)
            Knew[a0:a1] = cb[l] + cw[l] * S
            Tnew[a0:a1] = lb[l] + lw[l] * S + cw[l] * P * T[a0:a1]
        K, T = Knew, Tnew
    os.makedirs(cfg["out"], exist_ok=True)
    np.save(os.path.join(cfg["out"], f"K_{L}.npy"), K)
    np.save(os.path.join(cfg["out"], f"Theta_{L}.npy"), T)
    print(json.dumps({"seconds": time.time() - t0, "m": m, "nodes": n}))


def compare(a_path, b_path):
    a = np.load(a_path, mmap_mode="r")
    b = np.load(b_path, mmap_mode="r")
    if a.shape != b.shape:
        print(json.dumps({"error": f"shapes differ: {a.shape} vs {b.shape}"}))
        return
    worst = 0.0
    scale = 0.0
    absdiff = 0.0
    step = max(1, int(4e6 // max(1, a.shape[-1])))
    for i in range(0, a.shape[0], step):
        x = np.asarray(a[i:i + step], dtype=np.float64)
        y = np.asarray(b[i:i + step], dtype=np.float64)
        d = np.abs(x - y)
        worst = max(worst, float(np.max(d / np.maximum(np.abs(y), 1e-300))))
        absdiff = max(absdiff, float(np.max(d)))
        scale = max(scale, float(np.max(np.abs(y))))
    print(json.dumps({"maxRel": worst, "maxAbsOverMax": absdiff / scale if scale > 0 else 0.0, "dtype": str(a.dtype),
                      "cOrder": bool(a.flags["C_CONTIGUOUS"]), "shape": list(a.shape)}))


def gl_panels(half_width, panels, per_panel):
    g, gw = np.polynomial.legendre.leggauss(per_panel)
    edges = np.linspace(-half_width, half_width, panels + 1)
    xs, ws = [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        xs.append(0.5 * (hi - lo) * g + 0.5 * (hi + lo))
        ws.append(0.5 * (hi - lo) * gw)
    x = np.concatenate(xs)
    w = np.concatenate(ws) * np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)
    return x, w


def pair_expectations(kaa, kbb, kab, rule):
    """<tanh tanh> and <tanh' tanh'> over N(0, [[kaa, kab], [kab, kbb]]) with the tensor rule (x, w)."""
    x, w = rule
    sa, sb = np.sqrt(kaa), np.sqrt(kbb)
    rho = min(1.0, max(-1.0, kab / (sa * sb)))
    c = np.sqrt(max(0.0, 1.0 - rho * rho))
    fa = np.tanh(sa * x)
    fb = np.tanh(sb * (rho * x[:, None] + c * x[None, :]))
    S = float((w * fa) @ (fb @ w))
    P = float((w * (1 - fa * fa)) @ ((1 - fb * fb) @ w))
    return S, P


def pair_recursion(xa, xb, cfg, rule):
    cb, cw = per_layer(cfg, "cb", 0.0), per_layer(cfg, "cw", 1.0)
    lb, lw = per_layer(cfg, "lambdaB", 1.0), per_layer(cfg, "lambdaW", 1.0)
    n0 = len(xa)
    dots = {"aa": xa @ xa, "bb": xb @ xb, "ab": xa @ xb}
    K = {k: cb[0] + cw[0] / n0 * v for k, v in dots.items()}
    T = {k: lb[0] + lw[0] / n0 * v for k, v in dots.items()}
    for l in range(1, len(cfg["widths"])):
        new_k, new_t = {}, {}
        for key, (p, q, r) in {"aa": ("aa", "aa", "aa"), "bb": ("bb", "bb", "bb"), "ab": ("aa", "bb", "ab")}.items():
            S, P = pair_expectations(K[p], K[q], K[r], rule)
            new_k[key] = cb[l] + cw[l] * S
            new_t[key] = lb[l] + lw[l] * S + cw[l] * P * T[key]
        K, T = new_k, new_t
    return K["ab"], T["ab"]


def pairs(cfg):
    X = load_inputs(cfg["inputs"])
    L = len(cfg["widths"])
    rng = np.random.default_rng(cfg.get("seed", 7))
    m = X.shape[0]
    idx = [(int(a), int(b)) for a, b in rng.integers(0, m, size=(cfg.get("count", 40), 2))]
    fine = gl_panels(14.0, 56, 24)
    finer = gl_panels(14.0, 84, 24)
    nn = {q: np.load(os.path.join(cfg["nnft"], f"{q}_{L}.npy"), mmap_mode="r") for q in ("K", "Theta")}
    gh = {q: np.load(os.path.join(cfg["gh"], f"{q}_{L}.npy"), mmap_mode="r") for q in ("K", "Theta")} if cfg.get("gh") else None
    worst = {"nnft": 0.0, "gh": 0.0, "self": 0.0}
    for a, b in idx:
        k_ref, t_ref = pair_recursion(X[a], X[b], cfg, fine)
        k_chk, t_chk = pair_recursion(X[a], X[b], cfg, finer)
        worst["self"] = max(worst["self"], abs(k_ref - k_chk) / abs(k_ref), abs(t_ref - t_chk) / abs(t_ref))
        worst["nnft"] = max(worst["nnft"], abs(nn["K"][a, b] - k_ref) / abs(k_ref), abs(nn["Theta"][a, b] - t_ref) / abs(t_ref))
        if gh is not None:
            worst["gh"] = max(worst["gh"], abs(gh["K"][a, b] - k_ref) / abs(k_ref), abs(gh["Theta"][a, b] - t_ref) / abs(t_ref))
    print(json.dumps({"pairs": len(idx), "maxRelNnft": worst["nnft"], "maxRelGh": worst["gh"], "referenceSelfCheck": worst["self"]}))


def make_inputs(m, n0, seed, path):
    X = np.random.default_rng(seed).standard_normal((m, n0))
    with open(path, "w") as f:
        json.dump(X.tolist(), f)
    print(json.dumps({"m": m, "n0": n0, "seed": seed, "path": path}))


def measure(cmd):
    t0 = time.time()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.time() - t0
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"status": r.returncode, "wall": wall, "user": u.ru_utime, "sys": u.ru_stime, "maxRssKb": u.ru_maxrss,
                      "stdout": r.stdout[-2000:], "stderr": r.stderr[-2000:]}))


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "measure":
        measure(sys.argv[2:])
    elif what == "inputs":
        make_inputs(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    elif what == "relu":
        relu(json.loads(sys.argv[2]))
    elif what == "gh":
        tanh_gh(json.loads(sys.argv[2]))
    elif what == "compare":
        compare(sys.argv[2], sys.argv[3])
    elif what == "pairs":
        pairs(json.loads(sys.argv[2]))
    else:
        sys.exit(f"unknown subcommand {what}")
