"""The 15-point Gauss-Kronrod rule (embedded 7-point Gauss rule) on [-1, 1] at 40 digits with mpmath.

Kronrod nodes: roots of the Stieltjes polynomial E_8 (monic, degree 8, orthogonal to P_7 x^k for k = 0..7);
weights: the moment equations sum_j w_j x_j^m = int x^m for m = 0..14. Prints JSON {nodes, kronrod, gauss}
with nodes ascending and the Gauss weight 0 at the Kronrod-only nodes.
"""
import json
import mpmath as mp

mp.mp.dps = 40
n = 7
N = n + 1


def mu(m):
    return mp.quad(lambda x: mp.legendre(n, x) * x ** m, [-1, 1])


js = [j for j in range(N) if (N - j) % 2 == 0]
ks = [k for k in range(n + 1) if (n + k + N) % 2 == 0][: len(js)]
A = mp.matrix(len(ks), len(js))
b = mp.matrix(len(ks), 1)
for r, k in enumerate(ks):
    for c, j in enumerate(js):
        A[r, c] = mu(j + k)
    b[r] = -mu(N + k)
e = mp.lu_solve(A, b)
coeffs = [mp.mpf(0)] * (N + 1)
coeffs[N] = mp.mpf(1)
for c, j in enumerate(js):
    coeffs[j] = e[c]
kron = [mp.re(r) for r in mp.polyroots(coeffs[::-1], maxsteps=500, extraprec=200)]
gauss = [mp.re(r) for r in mp.polyroots([mp.mpf(c) for c in mp.taylor(lambda x: mp.legendre(n, x), 0, n)][::-1], maxsteps=500, extraprec=200)]
nodes = sorted(kron + gauss)
M = len(nodes)
V = mp.matrix(M, M)
rhs = mp.matrix(M, 1)
for m in range(M):
    for j in range(M):
        V[m, j] = nodes[j] ** m
    rhs[m] = mp.mpf(2) / (m + 1) if m % 2 == 0 else 0
w = mp.lu_solve(V, rhs)
gw = []
for x in nodes:
    if min(abs(x - g) for g in gauss) < mp.mpf(10) ** -30:
        gw.append(2 / ((1 - x ** 2) * mp.diff(lambda t: mp.legendre(n, t), x) ** 2))
    else:
        gw.append(mp.mpf(0))
print(json.dumps({"nodes": [float(x) for x in nodes], "kronrod": [float(x) for x in w], "gauss": [float(x) for x in gw]}))
