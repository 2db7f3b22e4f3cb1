"""Independent oracle: K1, Theta1, A, D at layer 3 of a piecewise-linear MLP on two inputs.

The recursions are typed here from their IBP form (Roberts, Yaida, Hanin, "The Principles of Deep Learning Theory",
ch. 4 and 8; the NTK ones as in Gerken, Misof et al.), layer 1 -> 2 -> 3 with equal widths (r = 1):

  layer 2:  K = C_b + C_W <s s>,  Theta = l_b + l_W <s s> + C_W <s' s'> Theta1,  V = C_W^2 Cov(S, S),
            D = C_W Cov(Omega, S),  F_abcd = C_W^2 <s'_a s_b s'_c s_d> Theta_ac,  A = Cov(Omega, Omega)
  layer 3:  K1_ab     = C_W/8 sum V_(d1d2)(d3d4) <d1 d2 d3 d4 S_ab>
            Theta1_ab = 1/8 sum V <d^4 Omega_ab> + C_W/2 sum D_ab d1 d2 <d1 d2 P_ab> + C_W sum F_a d1 b d2 <d1 d2 P_ab>
            D_abcd    = C_W Cov(Omega_ab, S_cd) + C_W/4 sum V <dd Omega_ab><dd S_cd> + C_W^2/2 <P_ab> sum D_ab d1 d2 <d1 d2 S_cd>
            A_(ab)(cd) = Cov(Omega_ab, Omega_cd) + 1/4 sum V <dd Omega_ab><dd Omega_cd>
                         + C_W/2 sum (<dd Omega_ab> D_cd d1 d2 <P_cd> + <dd Omega_cd> D_ab d1 d2 <P_ab>) + C_W^2 <P_ab><P_cd> A
  with S_ab = s_a s_b, P_ab = s'_a s'_b, Omega_ab = l_W s_a s_b + C_W Theta_ab s'_a s'_b (Theta of the layer below), and
  each sum over derivative indices running over the distinct inputs of that expectation's product (each once).

Expectations <d^i_a d^j_b F> are computed without differentiating any distribution: Gaussian integration by parts
turns them into E[F H] with H = (-1)^(i+j) d^i_a d^j_b p / p (Rodrigues' recursion on the precision matrix); F H is a
polynomial on each sector between the kink directions, so in polar coordinates of the whitened plane the radial
integral is a Gamma function and the angular one is Gauss-Legendre quadrature of a trigonometric polynomial (mpmath,
30 digits). One input: the same with Hermite polynomials He_k and exact half-line moments. Shares no code with nnft.

stdin: a JSON list of {"sneg": s_-, "spos": s_+, "cb": C_b, "cw": C_W, "lb": l_b, "lw": l_W, "inputs": [x_a, x_b]}
stdout: the list of {"K1": [[..]], "Theta1": [[..]], "A": [[[[..]]]], "D": [[[[..]]]]} (layer 3, nnft's index order;
"layer2" with V4, D, F, A, K, Theta of layer 2 when the spec has "layer2": true)
"""
import itertools
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))

import mpmath as mp
from gaussian_ibp import kink_angles, one_input_expectation, radial_moment, rodrigues, whitening  # noqa: E402

mp.mp.dps = 30


class Gaussian:
    """Expectations over N(0, K) for 1 or 2 coordinates."""

    def __init__(self, K, sneg, spos):
        self.K = K
        self.sneg, self.spos = sneg, spos
        self.memo = {}

    def act(self, order, z):
        s = self.spos if z > 0 else self.sneg
        return s * z if order == 0 else s

    def expect(self, slots, derivs):
        """slots: tuple of (input, order) with order 0 (sigma) or 1 (sigma'); derivs: (i at input 0, j at input 1)."""
        key = (tuple(sorted(slots)), derivs)
        if key not in self.memo:
            self.memo[key] = self._expect(slots, derivs)
        return self.memo[key]

    def _expect(self, slots, derivs):
        inputs = sorted(set(a for a, _ in slots))
        if any(derivs[a] > 0 and a not in inputs for a in (0, 1)):
            return mp.mpf(0)
        deg = sum(1 for _, o in slots if o == 0)
        if len(inputs) == 1:
            a = inputs[0]
            k = derivs[a]
            return one_input_expectation([o for _, o in slots], k, self.K[a][a], lambda sign: self.spos if sign > 0 else self.sneg)
        K = self.K
        det = K[0][0] * K[1][1] - K[0][1] ** 2
        P = [[K[1][1] / det, -K[0][1] / det], [-K[0][1] / det, K[0][0] / det]]
        terms = [(c, px, py) for (px, py), c in rodrigues(P, derivs[0], derivs[1]).items()]
        l11, l21, l22 = whitening(K)
        radial = {}

        def integrand(phi):
            c, s = mp.cos(phi), mp.sin(phi)
            z = (l11 * c, l21 * c + l22 * s)
            fval = mp.mpf(1)
            for a, o in slots:
                fval *= self.act(o, z[a])
            tot = mp.mpf(0)
            for coef, px, py in terms:
                n = deg + px + py
                if n not in radial:
                    radial[n] = radial_moment(n)
                tot += coef * z[0] ** px * z[1] ** py * radial[n]
            return fval * tot / (2 * mp.pi)

        return mp.quad(integrand, kink_angles(l21, l22), method="gauss-legendre")


def layer(G, Theta, cw, lw):
    """Helpers for one layer's expectations: S, P, Omega as weighted slot products, with derivative sums."""
    R = range(2)

    def E(parts, dlist=()):
        # parts: list of (coef, slots); dlist: derivative indices (each an input)
        d = [0, 0]
        for x in dlist:
            d[x] += 1
        return sum(c * G.expect(tuple(sl), (d[0], d[1])) for c, sl in parts)

    S = lambda a, b: [(1, ((a, 0), (b, 0)))]
    P = lambda a, b: [(1, ((a, 1), (b, 1)))]
    Om = lambda a, b: [(lw, ((a, 0), (b, 0))), (cw * Theta[a][b], ((a, 1), (b, 1)))]
    prod = lambda x, y: [(c1 * c2, s1 + s2) for c1, s1 in x for c2, s2 in y]
    return R, E, S, P, Om, prod


def distinct(a, b):
    return sorted(set((a, b)))


def solve(spec):
    sneg, spos = mp.mpf(repr(spec["sneg"])), mp.mpf(repr(spec["spos"]))
    cb, cw, lb, lw = (mp.mpf(repr(spec[k])) for k in ("cb", "cw", "lb", "lw"))
    x = [[mp.mpf(repr(v)) for v in xa] for xa in spec["inputs"]]
    n0 = len(x[0])
    dot = [[sum(x[a][k] * x[b][k] for k in range(n0)) for b in range(2)] for a in range(2)]
    K1 = [[cb + cw * dot[a][b] / n0 for b in range(2)] for a in range(2)]
    T1 = [[lb + lw * dot[a][b] / n0 for b in range(2)] for a in range(2)]

    # layer 1 -> 2
    G = Gaussian(K1, sneg, spos)
    R, E, S, P, Om, prod = layer(G, T1, cw, lw)
    K2 = [[cb + cw * E(S(a, b)) for b in R] for a in R]
    T2 = [[lb + lw * E(S(a, b)) + cw * E(P(a, b)) * T1[a][b] for b in R] for a in R]
    idx4 = list(itertools.product(R, R, R, R))
    V2 = {(a, b, c, d): cw ** 2 * (E(prod(S(a, b), S(c, d))) - E(S(a, b)) * E(S(c, d))) for a, b, c, d in idx4}
    D2 = {(a, b, c, d): cw * (E(prod(Om(a, b), S(c, d))) - E(Om(a, b)) * E(S(c, d))) for a, b, c, d in idx4}
    F2 = {(a, b, c, d): cw ** 2 * E([(1, ((a, 1), (b, 0), (c, 1), (d, 0)))]) * T1[a][c] for a, b, c, d in idx4}
    A2 = {(a, b, c, d): E(prod(Om(a, b), Om(c, d))) - E(Om(a, b)) * E(Om(c, d)) for a, b, c, d in idx4}

    # layer 2 -> 3 (V, D, F, A of layer 2; K1 = Theta1 = 0 there)
    G = Gaussian(K2, sneg, spos)
    R, E, S, P, Om, prod = layer(G, T2, cw, lw)
    out = {"K1": [[0] * 2 for _ in R], "Theta1": [[0] * 2 for _ in R]}
    for a in R:
        for b in R:
            ds = distinct(a, b)
            k1 = mp.mpf(0)
            t1 = mp.mpf(0)
            for d1, d2, d3, d4 in itertools.product(ds, ds, ds, ds):
                k1 += V2[(d1, d2, d3, d4)] * E(S(a, b), (d1, d2, d3, d4))
                t1 += V2[(d1, d2, d3, d4)] * E(Om(a, b), (d1, d2, d3, d4)) / 8
            for d1, d2 in itertools.product(ds, ds):
                t1 += cw / 2 * D2[(a, b, d1, d2)] * E(P(a, b), (d1, d2))
                t1 += cw * F2[(a, d1, b, d2)] * E(P(a, b), (d1, d2))
            out["K1"][a][b] = float(cw / 8 * k1)
            out["Theta1"][a][b] = float(t1)
    A = [[[[0] * 2 for _ in R] for _ in R] for _ in R]
    D = [[[[0] * 2 for _ in R] for _ in R] for _ in R]
    for a, b, c, d in idx4:
        dab, dcd = distinct(a, b), distinct(c, d)
        cov_oo = E(prod(Om(a, b), Om(c, d))) - E(Om(a, b)) * E(Om(c, d))
        cov_os = E(prod(Om(a, b), S(c, d))) - E(Om(a, b)) * E(S(c, d))
        va = mp.mpf(0)
        vd = mp.mpf(0)
        for d1, d2 in itertools.product(dab, dab):
            for d3, d4 in itertools.product(dcd, dcd):
                va += V2[(d1, d2, d3, d4)] * E(Om(a, b), (d1, d2)) * E(Om(c, d), (d3, d4))
                vd += V2[(d1, d2, d3, d4)] * E(Om(a, b), (d1, d2)) * E(S(c, d), (d3, d4))
        da = mp.mpf(0)
        for d1, d2 in itertools.product(dab, dab):
            da += E(Om(a, b), (d1, d2)) * D2[(c, d, d1, d2)] * E(P(c, d))
        for d1, d2 in itertools.product(dcd, dcd):
            da += E(Om(c, d), (d1, d2)) * D2[(a, b, d1, d2)] * E(P(a, b))
        dd = mp.mpf(0)
        for d1, d2 in itertools.product(dcd, dcd):
            dd += D2[(a, b, d1, d2)] * E(S(c, d), (d1, d2))
        A[a][b][c][d] = float(cov_oo + va / 4 + cw / 2 * da + cw ** 2 * E(P(a, b)) * E(P(c, d)) * A2[(a, b, c, d)])
        D[a][b][c][d] = float(cw * cov_os + cw / 4 * vd + cw ** 2 / 2 * E(P(a, b)) * dd)
    out["A"] = A
    out["D"] = D
    if spec.get("layer2"):
        nest = lambda T: [[[[float(T[(a, b, c, d)]) for d in R] for c in R] for b in R] for a in R]
        out["layer2"] = {"V4": nest(V2), "D": nest(D2), "F": nest(F2), "A": nest(A2), "K": [[float(v) for v in r] for r in K2], "Theta": [[float(v) for v in r] for r in T2]}
    return out


def main():
    specs = json.load(sys.stdin)
    print(json.dumps([solve(s) for s in specs]))


if __name__ == "__main__":
    main()
