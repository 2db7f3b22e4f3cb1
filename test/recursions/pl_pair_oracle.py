"""Independent high-precision oracle: all nine quantities K, Theta, V4, K1, Theta1, A, B, D, F of a piecewise-linear
MLP (sigma(z) = s_+ z for z > 0, s_- z for z < 0) on two inputs, at every layer, in 140-digit arithmetic (mpmath).

Recursions (Roberts, Yaida, Hanin, "The Principles of Deep Learning Theory" (PDLT), ch. 4 and 8; the NTK ones as in
Guillen, Misof, Gerken, "Finite-width neural tangent kernels from Feynman diagrams"), layer l -> l+1 with
r = n_l / n_{l-1} (n_0 = the input dimension), S_ab = s_a s_b, P_ab = s'_a s'_b, Omega_ab = l_W S_ab + C_W Theta_ab P_ab
(Theta of layer l), and every sum over derivative indices running over the distinct inputs of that expectation's
product:

  K'      = C_b + C_W <S_ab>                      Theta' = l_b + l_W <S_ab> + C_W <P_ab> Theta_ab
  V'      = C_W^2 Cov(S_ab, S_cd) + C_W^2/4 r sum V <dd S_ab><dd S_cd>
  K1'     = C_W r [1/2 sum K1 <dd S_ab> + 1/8 sum V <dddd S_ab>]
  Theta1' = r [C_W <P_ab> Theta1_ab + 1/2 sum K1 <dd Omega_ab> + 1/8 sum V <dddd Omega_ab>
               + C_W/2 sum D_ab.. <dd P_ab> + C_W sum F_a.b. <dd P_ab>]
  A'      = Cov(Omega_ab, Omega_cd) + 1/4 r sum V <dd Omega_ab><dd Omega_cd>
            + C_W/2 r (<P_cd> sum D_cd.. <dd Omega_ab> + <P_ab> sum D_ab.. <dd Omega_cd>) + C_W^2 r <P_ab><P_cd> A
  B'      = C_W^2 Theta_ac Theta_bd <s'_a s'_b s'_c s'_d> + C_W^2 r <P_ab><P_cd> B
  D'      = C_W Cov(Omega_ab, S_cd) + C_W/4 r sum V <dd Omega_ab><dd S_cd> + C_W^2/2 r <P_ab> sum D_ab.. <dd S_cd>
  F'      = C_W^2 Theta_ac <s'_a s_b s'_c s_d> + C_W^2 r sum <d (s'_a s_b)><d (s'_c s_d)> F_a.c.
  layer 1: K = C_b + C_W x.x/n_0, Theta = l_b + l_W x.x/n_0, the rest 0.

Expectations <d^i_a d^j_b F> are computed without differentiating any distribution: Gaussian integration by parts
turns them into E[F H], H = (-1)^(i+j) d^i_a d^j_b p / p (Rodrigues' recursion on the precision matrix K^-1, which
at 140 digits resolves separations down to ~1e-14). F H is a polynomial on each sector between the kink directions; in
polar coordinates of the whitened plane the radial integral is a Gamma function and the angular one the exact
integral of cos^p sin^q (reduction formulas), so nothing is approximated. One input: Hermite polynomials He_k and
half-line moments. Shares no code with nnft.

stdin: a JSON list of {"sneg", "spos", "cb", "cw", "lb", "lw", "widths": [n_1, ...], "inputs": [x_a, x_b]}
stdout: the list of results, each a list of layers {"K": [[..]], ..., "A": [[[[..]]]], ...} in nnft's index order
(docs/conventions.md), numbers as decimal strings with 20 significant digits.
"""
import itertools
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))

import mpmath as mp
from gaussian_ibp import kink_angles, one_input_expectation, radial_moment, rodrigues, whitening  # noqa: E402

mp.mp.dps = 140


class Gaussian:
    """Expectations of products of s, s' over N(0, K), K 2x2 (two distinct inputs) with their 1-D marginals."""

    def __init__(self, K, sneg, spos):
        self.K = K
        self.sneg, self.spos = sneg, spos
        self.memo = {}
        det = K[0][0] * K[1][1] - K[0][1] ** 2
        self.two = det > 0
        if self.two:
            self.P = [[K[1][1] / det, -K[0][1] / det], [-K[0][1] / det, K[0][0] / det]]
            self.l11, self.l21, self.l22 = whitening(K)
            cuts = kink_angles(self.l21, self.l22)
            self.sectors = []
            for lo, hi in zip(cuts[:-1], cuts[1:]):
                if hi <= lo:
                    continue
                m = (lo + hi) / 2
                z0 = self.l11 * mp.cos(m)
                z1 = self.l21 * mp.cos(m) + self.l22 * mp.sin(m)
                self.sectors.append((lo, hi, 1 if z0 > 0 else -1, 1 if z1 > 0 else -1, {}))

    def slope(self, sign):
        return self.spos if sign > 0 else self.sneg

    def expect(self, slots, derivs):
        """slots: (input, order) pairs, order 0 (s) or 1 (s'); derivs: (i, j) derivatives at inputs 0, 1."""
        key = (tuple(sorted(slots)), tuple(derivs))
        if key not in self.memo:
            self.memo[key] = self._expect(slots, derivs)
        return self.memo[key]

    def _expect(self, slots, derivs):
        inputs = sorted(set(a for a, _ in slots))
        if any(derivs[a] > 0 and a not in inputs for a in (0, 1)):
            return mp.mpf(0)
        if len(inputs) == 1:
            a = inputs[0]
            k = derivs[a]
            return one_input_expectation([o for _, o in slots], k, self.K[a][a], self.slope)
        if not self.two:
            raise ValueError("two identical inputs: the oracle needs a positive definite kernel")
        k0 = sum(1 for a, o in slots if a == 0 and o == 0)
        k1 = sum(1 for a, o in slots if a == 1 and o == 0)
        H = rodrigues(self.P, derivs[0], derivs[1])
        tot = mp.mpf(0)
        for lo, hi, g0, g1, memo in self.sectors:
            c = mp.mpf(1)
            for a, _ in slots:
                c *= self.slope(g0 if a == 0 else g1)
            if c == 0:
                continue
            part = mp.mpf(0)
            for (px, py), hc in H.items():
                i, j = k0 + px, k1 + py
                n = i + j
                radial = radial_moment(n)
                ang = mp.mpf(0)
                for t in range(j + 1):
                    ang += mp.binomial(j, t) * self.l21 ** t * self.l22 ** (j - t) * self.trig(lo, hi, memo, i + t, j - t)
                part += hc * self.l11 ** i * radial * ang
            tot += c * part
        return tot / (2 * mp.pi)

    def trig(self, lo, hi, memo, p, q):
        """int_lo^hi cos^p sin^q, reduction formulas."""
        key = (p, q)
        if key in memo:
            return memo[key]
        cl, sl, ch, sh = mp.cos(lo), mp.sin(lo), mp.cos(hi), mp.sin(hi)
        if q >= 2:
            v = (-(ch ** (p + 1) * sh ** (q - 1) - cl ** (p + 1) * sl ** (q - 1)) + (q - 1) * self.trig(lo, hi, memo, p, q - 2)) / (p + q)
        elif q == 1:
            v = -(ch ** (p + 1) - cl ** (p + 1)) / (p + 1)
        elif p >= 2:
            v = ((ch ** (p - 1) * sh - cl ** (p - 1) * sl) + (p - 1) * self.trig(lo, hi, memo, p - 2, 0)) / p
        elif p == 1:
            v = sh - sl
        else:
            v = hi - lo
        memo[key] = v
        return v


def distinct(a, b):
    return sorted(set((a, b)))


def solve(spec):
    mpf = lambda v: mp.mpf(float(v))  # the exact binary value of the double (a decimal string would differ by ~1e-17)
    sneg, spos = mpf(spec["sneg"]), mpf(spec["spos"])
    cb, cw, lb, lw = (mpf(spec[k]) for k in ("cb", "cw", "lb", "lw"))
    x = [[mpf(v) for v in xa] for xa in spec["inputs"]]
    widths = spec["widths"]
    n0 = len(x[0])
    R = range(2)
    idx2 = list(itertools.product(R, R))
    idx4 = list(itertools.product(R, R, R, R))
    dot = [[sum(x[a][k] * x[b][k] for k in range(n0)) for b in R] for a in R]
    K = [[cb + cw * dot[a][b] / n0 for b in R] for a in R]
    Th = [[lb + lw * dot[a][b] / n0 for b in R] for a in R]
    zero4 = {i: mp.mpf(0) for i in idx4}
    K1 = {i: mp.mpf(0) for i in idx2}
    T1 = dict(K1)
    V, A, B, D, F = dict(zero4), dict(zero4), dict(zero4), dict(zero4), dict(zero4)
    layers = []

    def record(width):
        n2 = lambda T: [[T[a][b] for b in R] for a in R]
        d2 = lambda T: [[T[(a, b)] for b in R] for a in R]
        n4 = lambda T: [[[[T[(a, b, c, d)] for d in R] for c in R] for b in R] for a in R]
        s = lambda v: mp.nstr(v, 20, strip_zeros=False) if v != 0 else "0"
        conv = lambda t: [conv(u) for u in t] if isinstance(t, list) else s(t)
        layers.append({"width": width, "K": conv(n2(K)), "Theta": conv(n2(Th)), "V4": conv(n4(V)), "K1": conv(d2(K1)),
                       "Theta1": conv(d2(T1)), "A": conv(n4(A)), "B": conv(n4(B)), "D": conv(n4(D)), "F": conv(n4(F))})

    record(widths[0])
    for l in range(1, len(widths)):
        r = mp.mpf(widths[l - 1]) / (widths[l - 2] if l >= 2 else n0)
        G = Gaussian(K, sneg, spos)

        def E(parts, dlist=()):
            d = [0, 0]
            for y in dlist:
                d[y] += 1
            return sum(c * G.expect(sl, d) for c, sl in parts)

        S = lambda a, b: [(1, ((a, 0), (b, 0)))]
        P = lambda a, b: [(1, ((a, 1), (b, 1)))]
        Om = lambda a, b: [(lw, ((a, 0), (b, 0))), (cw * Th[a][b], ((a, 1), (b, 1)))]
        prod = lambda u, v: [(c1 * c2, s1 + s2) for c1, s1 in u for c2, s2 in v]
        d2s = lambda a, b: list(itertools.product(distinct(a, b), repeat=2))
        d4s = lambda a, b: list(itertools.product(distinct(a, b), repeat=4))

        nK = [[cb + cw * E(S(a, b)) for b in R] for a in R]
        nTh = [[lb + lw * E(S(a, b)) + cw * E(P(a, b)) * Th[a][b] for b in R] for a in R]
        nV, nA, nB, nD, nF = {}, {}, {}, {}, {}
        for a, b, c, d in idx4:
            cov_ss = E(prod(S(a, b), S(c, d))) - E(S(a, b)) * E(S(c, d))
            cov_oo = E(prod(Om(a, b), Om(c, d))) - E(Om(a, b)) * E(Om(c, d))
            cov_os = E(prod(Om(a, b), S(c, d))) - E(Om(a, b)) * E(S(c, d))
            vss = voo = vos = mp.mpf(0)
            for e12 in d2s(a, b):
                for e34 in d2s(c, d):
                    v = V[e12 + e34]
                    if v == 0:
                        continue
                    vss += v * E(S(a, b), e12) * E(S(c, d), e34)
                    voo += v * E(Om(a, b), e12) * E(Om(c, d), e34)
                    vos += v * E(Om(a, b), e12) * E(S(c, d), e34)
            da = sum(E(Om(a, b), e) * D[(c, d) + e] for e in d2s(a, b)) * E(P(c, d)) + sum(E(Om(c, d), e) * D[(a, b) + e] for e in d2s(c, d)) * E(P(a, b))
            dd = sum(D[(a, b) + e] * E(S(c, d), e) for e in d2s(c, d))
            ff = mp.mpf(0)
            for e1 in distinct(a, b):
                for e2 in distinct(c, d):
                    ff += E([(1, ((a, 1), (b, 0)))], (e1,)) * E([(1, ((c, 1), (d, 0)))], (e2,)) * F[(a, e1, c, e2)]
            nV[(a, b, c, d)] = cw ** 2 * cov_ss + cw ** 2 / 4 * r * vss
            nA[(a, b, c, d)] = cov_oo + r / 4 * voo + cw / 2 * r * da + cw ** 2 * r * E(P(a, b)) * E(P(c, d)) * A[(a, b, c, d)]
            nD[(a, b, c, d)] = cw * cov_os + cw / 4 * r * vos + cw ** 2 / 2 * r * E(P(a, b)) * dd
            nB[(a, b, c, d)] = cw ** 2 * Th[a][c] * Th[b][d] * E([(1, ((a, 1), (b, 1), (c, 1), (d, 1)))]) + cw ** 2 * r * E(P(a, b)) * E(P(c, d)) * B[(a, b, c, d)]
            nF[(a, b, c, d)] = cw ** 2 * Th[a][c] * E([(1, ((a, 1), (b, 0), (c, 1), (d, 0)))]) + cw ** 2 * r * ff
        nK1, nT1 = {}, {}
        for a, b in idx2:
            k1 = sum(K1[e] * E(S(a, b), e) for e in d2s(a, b)) / 2 + sum(V[e] * E(S(a, b), e) for e in d4s(a, b)) / 8
            t1 = cw * E(P(a, b)) * T1[(a, b)]
            t1 += sum(K1[e] * E(Om(a, b), e) for e in d2s(a, b)) / 2
            t1 += sum(V[e] * E(Om(a, b), e) for e in d4s(a, b)) / 8
            t1 += cw / 2 * sum(D[(a, b) + e] * E(P(a, b), e) for e in d2s(a, b))
            t1 += cw * sum(F[(a, e[0], b, e[1])] * E(P(a, b), e) for e in d2s(a, b))
            nK1[(a, b)] = cw * r * k1
            nT1[(a, b)] = r * t1
        K, Th, V, A, B, D, F, K1, T1 = nK, nTh, nV, nA, nB, nD, nF, nK1, nT1
        record(widths[l])
    return layers


def main():
    specs = json.load(sys.stdin)
    print(json.dumps([solve(s) for s in specs]))


if __name__ == "__main__":
    main()
