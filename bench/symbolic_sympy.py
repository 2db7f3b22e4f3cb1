#!/usr/bin/env python3
"""SymPy reference for bench/symbolic.bench.ts: the same Gaussian integration by parts on the same original
forms (inverse kernels, Hermite polynomials) as recursions/quantities/*.ts, done with SymPy objects the way
Misof's slides' symbolic output suggests (GaussExpec, Derivative(sig(z[a1]), z[a1]), K[b1, a1] …):

  Stein      <z_b F> = K[b, g] <dF/dz[g]>      (sympy.diff on Indexed z gives the KroneckerDeltas)
  contract   KroneckerDelta(g, x) with g summed -> substitute; Kinv[i, g] K[g, j] -> KroneckerDelta(i, j)
  canonical  dummy renaming (all permutations) + tensor slot symmetries, min over str(); collect

Prints one JSON line: {"available": true, "seconds": {...}, "terms": {...}, "total_seconds": …}
(or {"available": false, "reason": …} when SymPy is missing). Term counts must equal the TypeScript engine's.
"""
import itertools
import json
import sys
import time

try:
    import sympy as sp
except Exception as exc:  # pragma: no cover
    print(json.dumps({"available": False, "reason": f"sympy not importable: {exc}"}))
    sys.exit(0)

z = sp.IndexedBase("z")
sig = sp.Function("sig")
GE = sp.Function("GaussExpec")
T = {n: sp.IndexedBase(n) for n in ["K", "Kinv", "V", "K1", "Theta", "Theta1", "A", "B", "D", "F"]}
CW, R, LW = sp.symbols("C_W r lambda_W")
EXT = sp.symbols("a1 a2 a3 a4")
a1, a2, a3, a4 = EXT

SYM2 = [(0, 1), (1, 0)]
SYMV = [(0, 1, 2, 3), (1, 0, 2, 3), (0, 1, 3, 2), (1, 0, 3, 2), (2, 3, 0, 1), (3, 2, 0, 1), (2, 3, 1, 0), (3, 2, 1, 0)]
GROUPS = {
    "K": SYM2, "Kinv": SYM2, "K1": SYM2, "Theta": SYM2, "Theta1": SYM2,
    "V": SYMV, "A": SYMV,
    "B": [(0, 1, 2, 3), (2, 3, 0, 1), (1, 0, 3, 2), (3, 2, 1, 0)],
    "D": [(0, 1, 2, 3), (1, 0, 2, 3), (0, 1, 3, 2), (1, 0, 3, 2)],
    "F": [(0, 1, 2, 3), (2, 3, 0, 1)],
}

_counter = [0]


def fresh():
    _counter[0] += 1
    return sp.Symbol(f"g{_counter[0]}")


def is_z(f):
    return isinstance(f, sp.Indexed) and f.base == z


def is_random(f):
    if is_z(f):
        return True
    if isinstance(f, sp.Pow):
        return is_random(f.base)
    return f.has(sig)


def E(expr):
    """GaussExpec by linearity: non-random factors pulled out."""
    out = 0
    for term in sp.Add.make_args(sp.expand(expr)):
        c, fs = term.as_coeff_mul()
        rnd = [f for f in fs if is_random(f)]
        non = [f for f in fs if not is_random(f)]
        out += c * sp.Mul(*non) * (GE(sp.Mul(*rnd)) if rnd else 1)
    return out


def S(a, b):
    return sig(z[a]) * sig(z[b])


def P(a, b):
    return sp.diff(sig(z[a]), z[a]) * sp.diff(sig(z[b]), z[b])


def Om(a, b):
    return LW * S(a, b) + CW * T["Theta"][a, b] * P(a, b)


def H2(b1, b2):
    return z[b1] * z[b2] - T["K"][b1, b2]


def H4(b):
    p, q, s, t = b
    K = T["K"]
    return (z[p] * z[q] * z[s] * z[t]
            - (K[p, q] * z[s] * z[t] + K[p, s] * z[q] * z[t] + K[p, t] * z[q] * z[s]
               + K[q, s] * z[p] * z[t] + K[q, t] * z[p] * z[s] + K[s, t] * z[p] * z[q])
            + K[p, q] * K[s, t] + K[p, s] * K[q, t] + K[p, t] * K[q, s])


def raised(name, slots, lower):
    idx, inv = [], 1
    for i, s in enumerate(slots):
        if s is None:
            idx.append(lower[i])
        else:
            g = fresh()
            idx.append(g)
            inv *= T["Kinv"][s, g]
    return T[name][tuple(idx)] * inv


def betas(k):
    return [fresh() for _ in range(k)]


def originals():
    """The IBP parts of each recursion, as in recursions/quantities/*.ts."""
    out = {}
    b = betas(4)
    out["V4"] = [sp.Rational(1, 4) * CW**2 * R * raised("V", b, []) * E(S(a1, a2) * H2(b[0], b[1])) * E(S(a3, a4) * H2(b[2], b[3]))]
    b2, b4 = betas(2), betas(4)
    out["K1"] = [sp.Rational(1, 2) * CW * R * raised("K1", b2, []) * E(S(a1, a2) * H2(*b2)),
                 sp.Rational(1, 8) * CW * R * raised("V", b4, []) * E(S(a1, a2) * H4(b4))]
    b2, b4, e2, g2 = betas(2), betas(4), betas(2), betas(2)
    out["Theta1"] = [
        sp.Rational(1, 2) * R * raised("K1", b2, []) * E(Om(a1, a2) * H2(*b2)),
        sp.Rational(1, 8) * R * raised("V", b4, []) * E(Om(a1, a2) * H4(b4)),
        sp.Rational(1, 2) * CW * R * raised("D", [None, None, e2[0], e2[1]], [a1, a2]) * E(P(a1, a2) * H2(*e2)),
        sp.Rational(1, 2) * CW * R * (raised("F", [None, g2[0], None, g2[1]], [a1, None, a2, None])
                                      + raised("F", [None, g2[1], None, g2[0]], [a1, None, a2, None])) * E(P(a1, a2) * H2(*g2)),
    ]
    b, e2 = betas(4), betas(2)
    out["D"] = [sp.Rational(1, 4) * CW * R * raised("V", b, []) * E(Om(a1, a2) * H2(b[0], b[1])) * E(S(a3, a4) * H2(b[2], b[3])),
                sp.Rational(1, 2) * CW**2 * R * E(P(a1, a2)) * raised("D", [None, None, e2[0], e2[1]], [a1, a2]) * E(S(a3, a4) * H2(*e2))]
    b = betas(2)
    s1 = sp.diff(sig(z[a1]), z[a1]) * sig(z[a2])
    s3 = sp.diff(sig(z[a3]), z[a3]) * sig(z[a4])
    out["F"] = [CW**2 * R * raised("F", [None, b[0], None, b[1]], [a1, None, a3, None]) * E(s1 * z[b[0]]) * E(s3 * z[b[1]])]
    b, e1, e2 = betas(4), betas(2), betas(2)
    out["A"] = [
        sp.Rational(1, 4) * R * raised("V", b, []) * E(Om(a1, a2) * H2(b[0], b[1])) * E(Om(a3, a4) * H2(b[2], b[3])),
        sp.Rational(1, 2) * CW * R * (E(P(a3, a4)) * raised("D", [None, None, e1[0], e1[1]], [a3, a4]) * E(Om(a1, a2) * H2(*e1))
                                      + E(P(a1, a2)) * raised("D", [None, None, e2[0], e2[1]], [a1, a2]) * E(Om(a3, a4) * H2(*e2))),
    ]
    out["B"] = []  # no IBP content (read off the layer map)
    return out


def split_term(term):
    c, fs = term.as_coeff_mul()
    return c, list(fs)


def contract(term):
    """KroneckerDelta with a summed index -> substitution; Kinv[i,g] K[g,j] -> KroneckerDelta(i,j)."""
    changed = True
    while changed:
        changed = False
        c, fs = split_term(term)
        for f in fs:
            if isinstance(f, sp.KroneckerDelta):
                i, j = f.args
                rest = term / f
                if i not in EXT:
                    term = rest.subs(i, j)
                elif j not in EXT:
                    term = rest.subs(j, i)
                else:
                    continue
                changed = True
                break
        if changed:
            continue
        c, fs = split_term(term)
        kinvs = [f for f in fs if isinstance(f, sp.Indexed) and f.base == T["Kinv"]]
        ks = [f for f in fs if isinstance(f, sp.Indexed) and f.base == T["K"]]
        for P_ in kinvs:
            for s in (0, 1):
                g = P_.indices[s]
                if g in EXT:
                    continue
                for Q in ks:
                    if g in Q.indices:
                        u = Q.indices.index(g)
                        term = term / (P_ * Q) * sp.KroneckerDelta(P_.indices[1 - s], Q.indices[1 - u])
                        changed = True
                        break
                if changed:
                    break
            if changed:
                break
    return term


def stein(term):
    """Reduce one term until no bare z is left inside any GaussExpec (Stein's lemma + contractions)."""
    work, out = [term], []
    while work:
        t = work.pop()
        c, fs = split_term(t)
        target = None
        for f in fs:
            if isinstance(f, GE):
                zs = [x for x in sp.Mul.make_args(f.args[0]) if is_z(x) or (isinstance(x, sp.Pow) and is_z(x.base))]
                if zs:
                    target = (f, zs[0])
                    break
        if target is None:
            out.append(contract(t))
            continue
        f, zf = target
        if isinstance(zf, sp.Pow):
            zf = zf.base
        beta = zf.indices[0]
        g = fresh()
        rest = sp.expand(f.args[0] / zf)
        derived = sp.expand(sp.diff(rest, z[g]))
        new = t / f * T["K"][beta, g] * E(derived)
        for nt in sp.Add.make_args(sp.expand(new)):
            if nt != 0:
                work.append(contract(nt))
    return out


def canonical(term):
    c, fs = split_term(term)
    dummies = sorted({s for s in term.free_symbols if s.name.startswith("g")}, key=lambda s: s.name)
    best = None
    names = [sp.Symbol(f"d{i + 1}") for i in range(len(dummies))]

    def sym(expr):
        reps = {}
        for ind in expr.atoms(sp.Indexed):
            name = str(ind.base)
            if name in GROUPS:
                opts = [tuple(ind.indices[p] for p in perm) for perm in GROUPS[name]]
                reps[ind] = ind.base[min(opts, key=lambda x: [str(y) for y in x])]
        return expr.xreplace(reps)

    for perm in itertools.permutations(names):
        cand = sym(term.xreplace(dict(zip(dummies, perm))))
        c2, _ = split_term(cand)
        key = str(cand / c2)
        if best is None or key < best[0]:
            best = (key, cand / c2)
    return best[1], c


def derive(parts):
    acc = {}
    for p in parts:
        for term in sp.Add.make_args(sp.expand(p)):
            for t in stein(term):
                body, c = canonical(t)
                acc[body] = acc.get(body, 0) + c
    return [(b, c) for b, c in acc.items() if c != 0]


def main():
    stream = "--stream" in sys.argv
    names = [a for a in sys.argv[1:] if not a.startswith("--")] or ["V4", "K1", "B", "F", "D", "Theta1", "A"]
    seconds, terms = {}, {}
    origin = originals()
    t_all = time.perf_counter()
    for name in names:
        t0 = time.perf_counter()
        res = derive(origin[name])
        seconds[name] = time.perf_counter() - t0
        terms[name] = len(res)
        if stream:
            print(json.dumps({"name": name, "seconds": seconds[name], "terms": terms[name]}), flush=True)
    total = time.perf_counter() - t_all
    print(json.dumps({"available": True, "sympy": sp.__version__, "seconds": seconds, "terms": terms, "total_seconds": total}), flush=True)


if __name__ == "__main__":
    main()
