/** The quick-start job (npm start). Grows as modules land; see README. */
export async function runStart(): Promise<void> {
  console.log('nnft quick start: nothing to run yet.');
}
