// Preloaded with `node --import` by test/cli/nnft-process.ts: at exit, write the process's peak resident
// memory (kilobytes, process.resourceUsage().maxRSS; worker threads included) to $NNFT_MAXRSS_FILE.
import { writeFileSync } from 'node:fs';

const file = process.env.NNFT_MAXRSS_FILE;
if (file) {
  process.on('exit', () => {
    try {
      writeFileSync(file, String(process.resourceUsage().maxRSS));
    } catch {
      // the measurement is best effort; the caller also polls /proc
    }
  });
}
