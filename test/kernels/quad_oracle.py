"""Independent oracle for the kernel engine tests: <s(z_a) s(z_b)> and <s'(z_a) s'(z_b)> over
(z_a, z_b) ~ N(0, [[kaa, kab], [kab, kbb]]) by nested quadrature written from the definitions, with activations
and derivatives typed here independently: the outer integral adaptive (scipy.integrate.quad, relative tolerance
1e-13, break points at the integrand's features), the inner one by composite Gauss-Legendre on panels graded
geometrically toward its kink or steep part (vectorised).

  E[f(z_a) g(z_b)] = int phi(x) f(s_a x) [ int phi(y) g(s_b (rho x + c y)) dy ] dx,  s = sqrt(k), c = sqrt(1 - rho^2),

on [-40, 40] (the normal density is below 1e-300 outside), with break points where the integrands have kinks
or steep transitions (z = 0). Input: JSON {"activation": name, "pairs": [[kaa, kbb, kab], ...]} on stdin;
output: JSON [[ss, dd], ...].
"""
import json
import math
import sys
from fractions import Fraction

import numpy as np
from scipy import integrate, special

SQ2 = math.sqrt(2.0)


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(np.asarray(z) / 2.0))


def sech2(z):
    z = np.minimum(np.abs(np.asarray(z, dtype=float)), 350.0)
    return 1.0 / np.cosh(z) ** 2


# (sigma, sigma') as numpy functions of arrays (and scalars)
ACT = {
    "tanh": (np.tanh, sech2),
    "erf": (special.erf, lambda z: 2.0 / math.sqrt(math.pi) * np.exp(-np.square(z))),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: np.where(np.asarray(z) > 0, 1.0, 0.0)),
    "leaky_relu(0.1)": (lambda z: np.where(np.asarray(z) > 0, z, 0.1 * np.asarray(z)), lambda z: np.where(np.asarray(z) > 0, 1.0, 0.1)),
    "linear": (lambda z: np.asarray(z, dtype=float), lambda z: np.ones_like(np.asarray(z, dtype=float))),
    "sin": (np.sin, np.cos),
    "gauss": (np.exp, np.exp),
    "gelu": (lambda z: 0.5 * z * (1.0 + special.erf(np.asarray(z) / SQ2)),
             lambda z: 0.5 * (1.0 + special.erf(np.asarray(z) / SQ2)) + z * np.exp(-0.5 * np.square(z)) / math.sqrt(2 * math.pi)),
    "silu": (lambda z: z * sigmoid(z), lambda z: sigmoid(z) * (1.0 + z * (1.0 - sigmoid(z)))),
    "sigmoid": (sigmoid, lambda z: sigmoid(z) * (1.0 - sigmoid(z))),
    "softplus": (lambda z: np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z))), sigmoid),
}
ACT["z/(1+exp(-z))"] = ACT["silu"]

PHI = 1.0 / math.sqrt(2 * math.pi)
R = 40.0


_GL = {}


def _gauss_legendre(n):
    if n not in _GL:
        _GL[n] = np.polynomial.legendre.leggauss(n)
    return _GL[n]


_GRADES = 0.5 ** np.arange(0, 47)  # 1 ... 1.4e-14


def graded_rule(lo, hi, focus, panels=48, per_panel=20):
    """Composite Gauss-Legendre on [lo, hi] with panel edges graded geometrically toward `focus` (down to 1e-14)."""
    g, gw = _gauss_legendre(per_panel)
    parts = [np.linspace(lo, hi, panels + 1)]
    if focus is not None:
        parts.append(focus + _GRADES * (lo - focus))
        parts.append(focus + _GRADES * (hi - focus))
        parts.append(np.array([focus]))
    e = np.unique(np.concatenate(parts))
    e = e[(e >= lo) & (e <= hi)]
    a, b = e[:-1, None], e[1:, None]
    x = (0.5 * (b - a) * g + 0.5 * (b + a)).ravel()
    w = (0.5 * (b - a) * gw).ravel()
    return x, w


def expect(f, g, kaa, kbb, kab):
    """Outer integral adaptive (scipy quad, break points at the features), inner by a graded composite rule."""
    sa, sb = math.sqrt(kaa), math.sqrt(kbb)
    rho = 0.0 if sa == 0.0 or sb == 0.0 else max(-1.0, min(1.0, kab / (sa * sb)))
    # c = sqrt(1 - rho^2) = sqrt(det K / (kaa kbb)) from the exact rational determinant of the given floats: near
    # rho = +-1 the float 1 - rho^2 has lost its digits
    if sa == 0.0 or sb == 0.0:
        c = 1.0
    else:
        det = Fraction(kaa) * Fraction(kbb) - Fraction(kab) ** 2
        c = math.sqrt(float(max(det, Fraction(0)) / (Fraction(kaa) * Fraction(kbb))))

    def inner(x):
        if c == 0.0:
            return float(g(sb * rho * x))
        y0 = -rho * x / c
        ys, ws = graded_rule(-R, R, y0 if -R < y0 < R else None)
        return float(np.sum(ws * PHI * np.exp(-0.5 * ys * ys) * g(sb * (rho * x + c * ys))))

    # break points: the kink or steep part of f at x = 0 (width 1/s_a) and of the inner integral (width c/|rho|)
    pts = {0.0}
    for wdt in (c / max(abs(rho), 1e-300), 1.0 / max(sa, 1e-300), 1.0 / max(sb, 1e-300)):
        for k in (1.0, 10.0):
            if 1e-300 < k * wdt < R:
                pts.update((k * wdt, -k * wdt))
    # absolute floor: 1e-16 of sqrt(<f(z_a)^2> <g(z_b)^2>) (values that vanish by symmetry need not be resolved further)
    xs, ws = graded_rule(-R, R, 0.0)
    dens = ws * PHI * np.exp(-0.5 * xs * xs)
    scale = math.sqrt(float(np.sum(dens * np.square(f(sa * xs)))) * float(np.sum(dens * np.square(g(sb * xs)))))
    v, _ = integrate.quad(lambda x: PHI * math.exp(-0.5 * x * x) * float(f(sa * x)) * inner(x), -R, R,
                          points=sorted(pts), epsabs=1e-16 * scale, epsrel=1e-13, limit=800)
    return v


def main():
    req = json.load(sys.stdin)
    f, df = ACT[req["activation"]]
    out = []
    for kaa, kbb, kab in req["pairs"]:
        out.append([expect(f, f, kaa, kbb, kab), expect(df, df, kaa, kbb, kab)])
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
