import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { standIns } from '../../src/internal/stand-in.js';

// What a chunk left out of dist/index.js holds, in small: a class hierarchy with statics and a function.
// `loads` counts the chunk's loads.
function chunk(): { loads: () => number; exports: Record<string, unknown> } {
  let loads = 0;
  class Base {
    static created = 0;
    static make(value: number): Base {
      return new Base(value);
    }
    readonly #value: number;
    constructor(value: number) {
      this.#value = value;
      Base.created++;
    }
    get value(): number {
      return this.#value;
    }
  }
  class Derived extends Base {}
  const twice = (n: number): number => 2 * n;
  const real = { Base, Derived, twice };
  const exports = standIns(() => {
    loads++;
    return real;
  }, ['Base', 'Derived', 'twice']);
  return { loads: () => loads, exports };
}

test('nothing is loaded until a stand-in is used, then once', () => {
  const { loads, exports } = chunk();
  assert.equal(typeof exports.Base, 'function');
  assert.equal(inspect(exports.Base), '[Function: Base]');
  assert.equal(loads(), 0);
  assert.equal((exports.twice as (n: number) => number)(4), 8);
  assert.equal(new (exports.Base as new (n: number) => { value: number })(3).value, 3);
  assert.equal(loads(), 1);
});

test('a class stand-in constructs, answers instanceof, is its instances\' constructor and can be extended', () => {
  const { exports } = chunk();
  const Base = exports.Base as new (n: number) => { value: number };
  const Derived = exports.Derived as new (n: number) => { value: number };
  const made = new Base(1);
  assert.ok(made instanceof Base);
  assert.equal(made.constructor, Base);
  assert.equal(Object.getPrototypeOf(made), Base.prototype);
  assert.ok(new Derived(2) instanceof Base);
  assert.equal(Object.getPrototypeOf(Derived), Base);
  class Mine extends Base {
    double(): number {
      return this.value * 2;
    }
  }
  const mine = new Mine(5);
  assert.ok(mine instanceof Mine && mine instanceof Base);
  assert.equal(mine.double(), 10);
  assert.equal(Base.name, 'Base');
});

test("a class stand-in's statics are the real class's, read and written", () => {
  const { exports } = chunk();
  const Base = exports.Base as unknown as { make(n: number): { value: number }; created: number; name: string };
  assert.equal(Base.make(7).value, 7);
  assert.equal(Base.created, 1);
  Base.created = 10;
  assert.equal(Base.created, 10);
  assert.ok(Object.getOwnPropertyNames(Base).includes('make'));
  assert.equal(Object.getOwnPropertyDescriptor(Base, 'prototype')?.writable, false);
});

test('a load that fails fails the use, and the next use tries again', () => {
  let attempts = 0;
  const exports = standIns(() => {
    attempts++;
    throw new Error('the chunk is missing');
  }, ['f']);
  assert.throws(() => (exports.f as () => void)(), /the chunk is missing/);
  assert.throws(() => (exports.f as () => void)(), /the chunk is missing/);
  assert.equal(attempts, 2);
});
