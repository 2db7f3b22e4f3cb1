"""Pieces of the two-input Gaussian integrals shared by the python oracles of piecewise-linear expectations
(test/gaussian/pair_oracle.py, test/recursions/pl_pair_oracle.py, test/recursions/pl_layer3_oracle.py), in mpmath
at the caller's precision (mp.mp.dps). Independent of the TypeScript code.

Gaussian integration by parts: for p the N(0, P^-1) density on (z_0, z_1), d^i_0 d^j_1 p = (-1)^(i+j) H p with H a
polynomial (Rodrigues' formula for the multivariate Hermite polynomials), so <d^i_0 d^j_1 F> = E[F H].
"""
import mpmath as mp


def rodrigues(P, i, j):
    """H = (-1)^(i+j) d^i_0 d^j_1 p / p as {(power of z_0, power of z_1): coefficient}, by the recursion
    H_0 = 1, H_(alpha+e) = (P z)_e H_alpha - d_e H_alpha."""
    H = {(0, 0): mp.mpf(1)}

    def step(H, e):
        out = {}
        for (px, py), c in H.items():
            # (P z)_e H: P[e][0] z_0 + P[e][1] z_1
            for (dx, dy), pc in (((1, 0), P[e][0]), ((0, 1), P[e][1])):
                k = (px + dx, py + dy)
                out[k] = out.get(k, 0) + pc * c
            # - d_e H
            if e == 0 and px > 0:
                out[(px - 1, py)] = out.get((px - 1, py), 0) - px * c
            if e == 1 and py > 0:
                out[(px, py - 1)] = out.get((px, py - 1), 0) - py * c
        return out

    for _ in range(i):
        H = step(H, 0)
    for _ in range(j):
        H = step(H, 1)
    return H


def hermite_he(k):
    """Coefficients c[p] of the probabilists' Hermite polynomial He_k(x) = sum_p c[p] x^p
    (c[k - 2r] = (-1)^r k! / (r! (k - 2r)! 2^r))."""
    c = [0] * (k + 1)
    for r in range(k // 2 + 1):
        c[k - 2 * r] = (-1) ** r * mp.factorial(k) / (mp.factorial(r) * mp.factorial(k - 2 * r) * 2 ** r)
    return c


def radial_moment(n):
    """int_0^inf r^(n+1) e^(-r^2/2) dr = 2^(n/2) Gamma(n/2 + 1): the radial integral of a degree-n monomial in the
    whitened plane."""
    return mp.power(2, mp.mpf(n) / 2) * mp.gamma(mp.mpf(n) / 2 + 1)


def half_line_moment(n):
    """int_0^inf t^n phi(t) dt = 2^((n-1)/2) Gamma((n+1)/2) / sqrt(2 pi), phi the standard normal density."""
    return mp.power(2, mp.mpf(n - 1) / 2) * mp.gamma(mp.mpf(n + 1) / 2) / mp.sqrt(2 * mp.pi)


def whitening(K):
    """(l11, l21, l22): the lower Cholesky factor L of the 2x2 kernel K, z = L (r cos phi, r sin phi)."""
    l11 = mp.sqrt(K[0][0])
    l21 = K[0][1] / l11
    l22 = mp.sqrt(K[1][1] - l21 ** 2)
    return l11, l21, l22


def kink_angles(l21, l22):
    """The sorted angles 0 = phi_0 < ... = 2 pi of the whitened plane between which z_0 = l11 cos phi and
    z_1 = l21 cos phi + l22 sin phi keep their signs (z_0 = 0 at pi/2, 3 pi/2; z_1 = 0 at t, t + pi)."""
    t = mp.atan2(-l21, l22)
    return sorted(set([mp.mpf(0), mp.pi / 2, 3 * mp.pi / 2, t % (2 * mp.pi), (t + mp.pi) % (2 * mp.pi), 2 * mp.pi]))


def one_input_expectation(orders, k, Kaa, slope):
    """<d^k/dz^k prod_i f_i(z)> for z ~ N(0, Kaa) and f_i = sigma (order 0) or sigma' (order 1) of the piecewise-linear
    sigma with slope(+1) on z > 0 and slope(-1) on z < 0: by parts E[F(z) He_k(z/s)] / s^k with s = sqrt(Kaa), where
    F = c_pm |z|^deg on each half line (deg = the number of sigma factors), integrated with the half-line moments."""
    deg = sum(1 for o in orders if o == 0)
    s = mp.sqrt(Kaa)
    tot = mp.mpf(0)
    for sign in (1, -1):
        c = mp.mpf(1)
        for o in orders:
            c *= slope(sign) * (sign if o == 0 else 1)  # the factor's value at z = sign
        for p, hc in enumerate(hermite_he(k)):
            if hc == 0:
                continue
            tot += c * hc * sign ** p * half_line_moment(deg + p) * s ** deg
    return tot / s ** k
