#!/usr/bin/env bash
# Records the JSON outputs of the nnft command and of the examples (reduced size) into DIR, through the
# command line only, so two checkouts can be compared number by number (test/golden/compare-outputs.mjs).
#   bash test/golden/record-outputs.sh DIR
# About 2–4 minutes on 2 cores. Every Monte Carlo run has a fixed seed; timings in the outputs are ignored by the
# comparison.
set -euo pipefail
out=${1:?usage: record-outputs.sh DIR}
mkdir -p "$out"
nnft() { node bin/nnft.js "$@"; }
run() { node bin/run-ts.js "$@"; }

ALL=K,Theta,V4,K1,Theta1,A,B,D,F
# recursions: four activations, all nine quantities, 2–3 inputs, depth 4–6
nnft recursions --activation tanh --cb 0.1 --cw 1.2 --widths 16,24,32,8 --inputs '[[1,0.5],[0.2,-0.9]]' --quantities $ALL --json > "$out/rec-tanh.json"
nnft recursions --activation relu --cb 0.2 --cw 2 --widths 32,32,32,32,32 --inputs '[[1,0.5],[0.2,-0.9],[-0.4,0.3]]' --quantities $ALL --json > "$out/rec-relu.json"
nnft recursions --activation gelu --cb 0 --cw 1.98305826 --lambda-b 0 --widths 64,64,64,64,64,64 --inputs '[[1,0.5,0.1],[0.2,-0.9,0.4]]' --quantities $ALL --json > "$out/rec-gelu.json"
nnft recursions --activation erf --cb 0.05 --cw 1.5 --widths 20,30,40,50 --inputs '[[1,0.5],[0.2,-0.9],[0.6,0.6]]' --quantities $ALL --json > "$out/rec-erf.json"
nnft recursions --activation relu --cb 0 --cw 2 --lambda-b 0 --widths 16,16,16,16 --inputs '[[1,0.5],[2,1],[0.3,-0.2]]' --quantities $ALL --json > "$out/rec-relu-collinear.json"
nnft recursions --activation 'leaky_relu(0.1)' --cb 0.1 --cw 1.5 --widths 16,16,16,16 --inputs '[[1,0.5],[1,0.5],[0.3,-0.2]]' --quantities $ALL --json > "$out/rec-leaky-dup.json"
nnft recursions --activation tanh --widths 8,8,8 --quantities 'K¹,V,Θ1' --json > "$out/rec-aliases.json"

# Monte Carlo: fixed seed, small networks, fast and full samplers, both estimators
nnft mc --activation tanh --cb 0.1 --cw 1.2 --widths 8,8,8,4 --inputs '[[1,0.5],[0.2,-0.9]]' --nets 3000 --seed 3 --quantities K,V4,K1 --sampler fast --json > "$out/mc-fast.json"
nnft mc --activation relu --cb 0 --cw 2 --widths 6,6,6 --inputs '[[1,0.5],[0.2,-0.9]]' --nets 1500 --seed 5 --quantities $ALL --sampler full --json > "$out/mc-full.json"
nnft mc --activation erf --cb 0.1 --cw 1.5 --widths 5,7,3 --inputs '[[1,0.5],[0.2,-0.9],[0.3,0.3]]' --nets 800 --seed 7 --quantities $ALL --estimator direct --json > "$out/mc-direct.json"
nnft mc --activation tanh --widths 6,6,2 --inputs '[[1,0.5],[0.2,-0.9]]' --nets 2000 --seed 2 --orders 2,4 --wick --json > "$out/mc-npoint.json"
nnft mc --activation tanh --widths 6,6,3 --inputs '[[1,0.5]]' --nets 1000 --seed 4 --weights uniform --json > "$out/mc-uniform.json"

# symbolic derivations, diagrams, Wick
for q in V4 K1 Theta1 A B D F; do nnft derive $q --json > "$out/derive-$q.json"; done
nnft derive Theta1 --svg "$out/derive-Theta1.svg" > /dev/null 2>&1
nnft diagrams --points 4 --couplings 4,6 --order 1 --json > "$out/diagrams-4.json"
nnft diagrams --points 2 --couplings 4,6 --order 2 --space zero --json > "$out/diagrams-zero.json"
nnft diagrams --points 6 --couplings 6 --order 1 --latex --svg "$out/diagrams-6.svg" > "$out/diagrams-6.tex"
nnft wick 6 --json > "$out/wick-6.json"
nnft symmetry --case so-output --nets 400 --json > "$out/symmetry-so-output.json"

# examples at reduced size
run examples/relu-criticality.ts --depth 4 --away-depth 4 --widths 16,32 --nets 2000 --seed 1 --out "$out/ex-relu" > /dev/null 2>&1
run examples/tanh-criticality.ts --depth 20 --mc-depth 3 --width 16 --nets 1000 --seed 1 --out "$out/ex-tanh" > /dev/null 2>&1
run examples/ntk-finite-width.ts --depth 3 --widths 8 --nets 300 --seed 1 --activations relu,tanh --out "$out/ex-ntk" > /dev/null 2>&1
run examples/nnqft-couplings.ts --widths 2,4 --nets 4000 --lambda-width 4 --seed 1 --out "$out/ex-nnqft" > /dev/null 2>&1
run examples/nnqft-lambda.ts --nets 20000 --width 4 --seed 1 --json > "$out/ex-nnqft-lambda.json"
run examples/gelu-gmg.ts --nets 200 --widths 6,11 --seed 1 --out "$out/ex-gmg" > /dev/null 2>&1
echo "recorded into $out"
