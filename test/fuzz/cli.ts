import { parseArgs } from 'node:util';
import { fuzz } from './fuzz.js';

// `npm run fuzz -- --seed 7 --iterations 500`: a longer fuzz of the public API's inputs than `npm test` runs.
const { values } = parseArgs({ options: { seed: { type: 'string', default: '1' }, iterations: { type: 'string', default: '200' } } });
const seed = Number(values.seed);
const iterations = Number(values.iterations);
if (!Number.isInteger(seed) || !Number.isInteger(iterations) || iterations < 1) {
  console.error(`usage: npm run fuzz -- [--seed N] [--iterations N >= 1]; received --seed ${values.seed} --iterations ${values.iterations}`);
  process.exit(2);
}
const report = await fuzz(seed, iterations);
for (const problem of report.problems) console.log(`problem: ${problem}`);
console.log(`${report.calls} calls, ${report.problems.length} problems (seed ${seed})`);
process.exitCode = report.problems.length === 0 ? 0 : 1;
