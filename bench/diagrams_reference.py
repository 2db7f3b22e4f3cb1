#!/usr/bin/env python3
"""Straightforward Python reference for bench/diagrams.bench.ts (no dependencies beyond the stdlib).

  python3 bench/diagrams_reference.py wick 14          -> enumerate all contractions of 14 points
  python3 bench/diagrams_reference.py diagrams 6 4,6 2 -> all labelled diagram classes of G(6), couplings {4,6}, order <= 2

Diagrams, the plain way: for each multiset of vertex degrees, generate every labelled symmetric
multiplicity matrix (externals degree 1, vertex of g_k degree k), drop those with a vacuum component,
key each by its canonical form (max over all degree-preserving permutations of internal vertices, via
itertools.permutations) and add (-1)^N * W / prod(n_k!) per labelled matrix, with
W = prod k_v! / (prod m_ab! * prod 2^l l!). Summing over the orbit gives the class coefficient
(-1)^N W / |Aut| without computing |Aut| -- an independent route to the same numbers.
Prints one JSON line: {"seconds": wall, "cpu": process CPU time, "classes": ..., "series": {"g4^2": "p/q", ...}}.
"""
import itertools
import json
import sys
import time
from fractions import Fraction
from math import factorial


def wick(points):
    def rec(rest):
        if not rest:
            yield ()
            return
        a = rest[0]
        for i in range(1, len(rest)):
            b = rest[i]
            for tail in rec(rest[1:i] + rest[i + 1:]):
                yield ((a, b),) + tail

    n = 0
    for _ in rec(tuple(range(points))):
        n += 1
    return n


def multisets(couplings, N):
    return list(itertools.combinations_with_replacement(sorted(couplings), N))


def matrices(p, degrees):
    T = p + len(degrees)
    deg = [1] * p + list(degrees)
    m = [[0] * T for _ in range(T)]
    rem = deg[:]

    def step(i, j):
        if i == T:
            yield [row[:] for row in m]
            return
        if rem[i] == 0:
            yield from step(i + 1, i + 1)
            return
        if j == T:
            return
        if j == i:
            if i < p:
                yield from step(i, i + 1)
                return
            for l in range(rem[i] // 2, -1, -1):
                m[i][i] = l
                rem[i] -= 2 * l
                yield from step(i, i + 1)
                rem[i] += 2 * l
            m[i][i] = 0
            return
        for v in range(min(rem[i], rem[j]), -1, -1):
            m[i][j] = m[j][i] = v
            rem[i] -= v
            rem[j] -= v
            yield from step(i, j + 1)
            rem[i] += v
            rem[j] += v
        m[i][j] = m[j][i] = 0

    yield from step(0, 0)


def has_vacuum(m, p):
    T = len(m)
    seen = set(range(p))
    stack = list(range(p))
    while stack:
        a = stack.pop()
        for b in range(T):
            if m[a][b] and b not in seen:
                seen.add(b)
                stack.append(b)
    return len(seen) < T


def canonical(m, p, degrees):
    N = len(degrees)
    T = p + N
    best = None
    for perm in itertools.permutations(range(N)):
        if any(degrees[perm[v]] != degrees[v] for v in range(N)):
            continue
        inv = [0] * N
        for v in range(N):
            inv[perm[v]] = v
        s = lambda a: a if a < p else p + inv[a - p]
        code = tuple(m[s(a)][s(b)] for a in range(T) for b in range(a, T))
        if best is None or code > best:
            best = code
    return best


def weight(m, p, degrees):
    T = len(m)
    num = 1
    for k in degrees:
        num *= factorial(k)
    den = 1
    for a in range(T):
        l = m[a][a]
        den *= 2 ** l * factorial(l)
        for b in range(a + 1, T):
            den *= factorial(m[a][b])
    return Fraction(num, den)


def monomial(degrees):
    cnt = {}
    for k in degrees:
        cnt[k] = cnt.get(k, 0) + 1
    if not cnt:
        return "1"
    return "*".join(f"g{k}" if e == 1 else f"g{k}^{e}" for k, e in sorted(cnt.items()))


def diagrams(p, couplings, order):
    classes = {}
    for N in range(order + 1):
        for degrees in multisets(couplings, N):
            if (p + sum(degrees)) % 2:
                continue
            sym = 1
            for k in set(degrees):
                sym *= factorial(degrees.count(k))
            mono = monomial(degrees)
            for m in matrices(p, degrees):
                if has_vacuum(m, p):
                    continue
                key = (mono, canonical(m, p, degrees))
                c = (-1) ** N * weight(m, p, degrees) / sym
                classes[key] = classes.get(key, 0) + c
    series = {}
    for (mono, _), c in classes.items():
        series[mono] = series.get(mono, 0) + c
    return len(classes), {k: str(v) for k, v in series.items()}


def main():
    what = sys.argv[1]
    t = time.perf_counter()
    c = time.process_time()
    if what == "wick":
        n = wick(int(sys.argv[2]))
        print(json.dumps({"seconds": time.perf_counter() - t, "cpu": time.process_time() - c, "count": n}))
    else:
        p = int(sys.argv[2])
        couplings = [int(x) for x in sys.argv[3].split(",")]
        order = int(sys.argv[4])
        nclasses, series = diagrams(p, couplings, order)
        print(json.dumps({"seconds": time.perf_counter() - t, "cpu": time.process_time() - c, "classes": nclasses, "series": series}))


if __name__ == "__main__":
    main()
