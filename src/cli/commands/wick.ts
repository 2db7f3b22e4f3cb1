import type { Command } from 'commander';
import { countWickContractionsOfPoints, forEachWickContraction, wickContractions } from '../../../diagrams/wick.ts';
import { wickCount, wickMantissaDigits, requireWickListing } from '../../../diagrams/budget.ts';
import { NnftInputError } from '../../errors.ts';

/** Largest listing printed without --count (the 15!! = 2027025 contractions of 16 points). */
const MAX_LISTED = 2_027_025;

/** `nnft wick <2n>`: Wick contractions of 2n labelled points (Maiti, Stoner, Halverson, Symmetry-via-Duality, eqs. 4–5). */
export function register(program: Command): void {
  program
    .command('wick')
    .description('Wick contractions (pairings) of 2n labelled points 0..2n−1: the (2n−1)!! terms of the NNGP correlator')
    .argument('<points>', 'number of points 2n (even; an odd number has no contractions)')
    .option('--json', 'print {"count": …, "contractions": [[[0,1],[2,3]], …]}')
    .option('--count', 'print only the count (2n−1)!!: instant for any n; exact up to 20000 digits, beyond that ≈ mantissa·10^exponent')
    .addHelpText(
      'after',
      `
The count (2n−1)!! = (2n)!/(2ⁿ n!) is printed exactly while it has at most 20000 digits (2n ≲ 11000
points). Beyond, it is printed as "≈ 5.50806e+32828527" with log10 (2n−1)!! = [ln Γ(2n+1) − n ln 2 − ln Γ(n+1)]/ln 10
from the Stirling series; the mantissa carries only the digits that double precision supports, and the JSON
says "exact": false. Listing contractions is limited to 16 points (15!! = 2027025 lines); larger
listings are refused.

Examples:
  $ nnft wick 6 --json        {"count":15,"contractions":[[[0,1],[2,3],[4,5]],…]}
  $ nnft wick 18 --count      34459425
  $ nnft wick 10000000 --count    ≈ 5.50806e+32828527 (log10 = 32828527.7410 …)
  $ nnft wick 4               (x1 x2)(x3 x4) …, one contraction per line`,
    )
    .action((pointsArg: string, opts: { json?: boolean; count?: boolean }) => {
      quietOnClosedPipe();
      const points = Number(pointsArg);
      if (!/^\s*\d+\s*$/.test(pointsArg) || !Number.isSafeInteger(points)) {
        throw new NnftInputError('<points>', `'${pointsArg}' is not a non-negative integer (below 2^53)`, 'e.g. nnft wick 6');
      }
      const out = process.stdout;
      if (points % 2 === 1) {
        if (opts.count) out.write(opts.json ? `${JSON.stringify({ points, count: 0, exact: true })}\n` : '0\n');
        else out.write(opts.json ? `${JSON.stringify({ count: 0, contractions: [] })}\n` : `0 contractions: ${points} is odd (odd correlators of a zero-mean GP vanish)\n`);
        return;
      }
      if (opts.count) {
        const c = wickCount(points / 2);
        if (c.exact) {
          out.write(opts.json ? `${JSON.stringify({ points, count: bigintJSON(c.value), exact: true })}\n` : `${c.value}\n`);
        } else {
          const digits = wickMantissaDigits(c.log10);
          const approx = `${c.mantissa.toFixed(digits - 1)}e+${c.exponent}`;
          const log10 = c.log10.toFixed(Math.max(0, digits - 2));
          out.write(
            opts.json
              ? `${JSON.stringify({ points, exact: false, approximate: approx, log10: Number(log10), digits: c.exponent + 1 })}\n`
              : `≈ ${approx} (log10 = ${log10}; the exact value has ${c.exponent + 1} digits, more than the 20000 computed exactly)\n`,
          );
        }
        return;
      }
      requireWickListing(points, MAX_LISTED);
      const count = wickCount(points / 2);
      if (!count.exact) throw new Error('unreachable: listable counts are exact');
      // Stream in chunks: the enumerator reuses one buffer; the text is built per chunk.
      let chunk: string[] = [];
      const flush = () => {
        if (chunk.length) out.write(chunk.join(''));
        chunk = [];
      };
      if (opts.json) {
        out.write(`{"count":${count.value},"contractions":[`);
        let first = true;
        for (const P of wickContractions(points / 2)) {
          chunk.push((first ? '' : ',') + JSON.stringify(P));
          first = false;
          if (chunk.length >= 4096) flush();
        }
        flush();
        out.write(']}\n');
        return;
      }
      out.write(`${count.value} contraction${count.value === 1n ? '' : 's'} of ${points} points:\n`);
      forEachWickContraction(points / 2, (buf) => {
        let s = '';
        for (let k = 0; k < buf.length; k += 2) s += `(x${buf[k]! + 1} x${buf[k + 1]! + 1})`;
        chunk.push(s + '\n');
        if (chunk.length >= 4096) flush();
      });
      flush();
    });
}

function bigintJSON(x: bigint): number | string {
  return x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : x.toString();
}

/** `nnft … | head`: stop quietly when the reader closes the pipe instead of crashing on EPIPE. */
function quietOnClosedPipe(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}
