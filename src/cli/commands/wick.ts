import type { Command } from 'commander';
import { countWickContractionsOfPoints, forEachWickContraction, wickContractions } from '../../../diagrams/wick.ts';
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
    .option('--count', 'print only the count (2n−1)!! (exact, instant for any n)')
    .addHelpText(
      'after',
      `
Examples:
  $ nnft wick 6 --json        {"count":15,"contractions":[[[0,1],[2,3],[4,5]],…]}
  $ nnft wick 18 --count      34459425
  $ nnft wick 4               (x1 x2)(x3 x4) …, one contraction per line`,
    )
    .action((pointsArg: string, opts: { json?: boolean; count?: boolean }) => {
      quietOnClosedPipe();
      const points = Number(pointsArg);
      if (!/^\s*\d+\s*$/.test(pointsArg) || !Number.isInteger(points)) {
        throw new NnftInputError('<points>', `'${pointsArg}' is not a non-negative integer`, 'e.g. nnft wick 6');
      }
      const count = countWickContractionsOfPoints(points);
      if (opts.count) {
        process.stdout.write(opts.json ? `${JSON.stringify({ points, count: bigintJSON(count) })}\n` : `${count}\n`);
        return;
      }
      if (count > BigInt(MAX_LISTED)) {
        throw new NnftInputError('<points>', `${points} points have ${count} contractions, too many to list`, 'use --count, or at most 16 points');
      }
      const out = process.stdout;
      if (points % 2 === 1) {
        out.write(opts.json ? `${JSON.stringify({ count: 0, contractions: [] })}\n` : `0 contractions: ${points} is odd (odd correlators of a zero-mean GP vanish)\n`);
        return;
      }
      // Stream in chunks: the enumerator reuses one buffer; the text is built per chunk.
      let chunk: string[] = [];
      const flush = () => {
        if (chunk.length) out.write(chunk.join(''));
        chunk = [];
      };
      if (opts.json) {
        out.write(`{"count":${count},"contractions":[`);
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
      out.write(`${count} contraction${count === 1n ? '' : 's'} of ${points} points:\n`);
      forEachWickContraction(points / 2, (buf) => {
        let s = '';
        for (let k = 0; k < buf.length; k += 2) s += `(x${buf[k] + 1} x${buf[k + 1] + 1})`;
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
