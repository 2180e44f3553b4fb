// work.cjs's functions as an ES module's exports: what aiox runs in scenario 8's fresh process to show the
// cost of a task module loaded with import() (a worker requires a .cjs task module; see README, Install).
export { add } from './work.cjs';
