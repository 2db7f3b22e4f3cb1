/**
 * Multisets of size k drawn from m labels, as the non-decreasing k-tuples over 0..m−1 in lexicographic order
 * (there are C(m + k − 1, k) of them): the distinct index tuples of a symmetric rank-k tensor, e.g. the
 * independent entries of a k-point correlator over m inputs.
 */
export function nonDecreasingTuples(m: number, k: number): number[][] {
  const out: number[][] = [];
  const cur: number[] = [];
  const rec = (start: number): void => {
    if (cur.length === k) {
      out.push(cur.slice());
      return;
    }
    for (let i = start; i < m; i++) {
      cur.push(i);
      rec(i);
      cur.pop();
    }
  };
  rec(0);
  return out;
}
