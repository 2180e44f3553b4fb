// Worker file for piscina and tinypool, which pass one argument and pick a named export with `{ name }`.
import { add, hold, spin } from './work.cjs';

export default function addTask({ a, b }) {
  return add(a, b);
}
export { addTask as add };
export function spinTask({ rounds }) {
  return spin(rounds);
}
export { spinTask as spin };
export function holdTask({ ms }) {
  return hold(ms);
}
export { holdTask as hold };
