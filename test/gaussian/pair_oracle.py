"""Independent oracle for two-input Gaussian expectations of piecewise-linear activations and their derivatives.

    E(i, j) = < d^i/dz_a^i d^j/dz_b^j [ f(z_a) g(z_b) ] >,  (z_a, z_b) ~ N(0, K),  f, g in {sigma, sigma'}

with sigma(z) = s_pos z (z > 0), s_neg z (z < 0). No distributions are differentiated: by Gaussian integration by
parts (Stein / Rodrigues) E(i, j) = E[ f g H ] with H = (-1)^(i+j) d^i_a d^j_b p / p, a polynomial in z
(Rodrigues' recursion on the precision matrix). The integral is done in polar coordinates of the whitened plane,
z = L (r cos phi, r sin phi): on each angular sector between the kink directions (z_a = 0, z_b = 0) f g H is a
polynomial in r, so the radial integral is exact (int_0^inf r^(n+1) e^(-r^2/2) dr = 2^(n/2) Gamma(n/2 + 1)) and
the angular one is Gauss-Legendre quadrature (mpmath, degree raised until converged) of a trigonometric polynomial
with the kinks as breakpoints, in 30-digit arithmetic: the cancellation in E[f g H], ~sin(angle)^-(i+j) of its
terms, costs at most 8 of the 30 digits at the angles used (>= 1e-2). Nothing is shared with the TypeScript code.

stdin: JSON list of {"K": [[a, b], [b, c]], "f": 0|1, "g": 0|1, "i": int, "j": int, "sneg": x, "spos": y}
stdout: JSON list of values (floats).
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))

import mpmath as mp
from gaussian_ibp import kink_angles, radial_moment, rodrigues, whitening  # noqa: E402

mp.mp.dps = 30


def oracle(case):
    K = [[mp.mpf(repr(float(v))) for v in row] for row in case["K"]]
    i, j, fo, go = case["i"], case["j"], case["f"], case["g"]
    sneg, spos = mp.mpf(repr(float(case["sneg"]))), mp.mpf(repr(float(case["spos"])))
    det = K[0][0] * K[1][1] - K[0][1] * K[1][0]
    P = [[K[1][1] / det, -K[0][1] / det], [-K[1][0] / det, K[0][0] / det]]
    terms = [(c, px, py) for (px, py), c in rodrigues(P, i, j).items()]
    # whitening: z = L v, L the lower Cholesky factor
    l11, l21, l22 = whitening(K)

    def act(order, z):
        s = spos if z > 0 else sneg
        return s * z if order == 0 else s

    dfg = (1 - fo) + (1 - go)
    radial = {}

    def integrand(phi):
        c, s = mp.cos(phi), mp.sin(phi)
        za, zb = l11 * c, l21 * c + l22 * s  # values at r = 1; f g H is homogeneous piece by piece
        tot = mp.mpf(0)
        for coef, px, py in terms:
            n = dfg + px + py
            if n not in radial:
                radial[n] = radial_moment(n)
            tot += coef * za ** px * zb ** py * radial[n]
        return act(fo, za) * act(go, zb) * tot / (2 * mp.pi)

    # kink directions on the unit circle of v: z_a = 0 (phi = pi/2, 3pi/2) and z_b = 0
    return mp.quad(integrand, kink_angles(l21, l22), method="gauss-legendre")


def main():
    cases = json.load(sys.stdin)
    print(json.dumps([float(oracle(c)) for c in cases]))


if __name__ == "__main__":
    main()
