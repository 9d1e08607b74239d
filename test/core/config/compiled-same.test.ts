// The shipped configs compile exactly as they did before the PTQ parameters were declared once
// (core/components): pipeline, fan-out trials, automatic plan, search space, and every assignment's
// trial config and quantizer options (fixtures/compiled-before.json, recorded from the code before).
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compiledSnapshot, SNAPSHOT_FILE } from './compiled-snapshot';

const before = JSON.parse(fs.readFileSync(SNAPSHOT_FILE, 'utf8')) as Record<string, unknown>;
const now = compiledSnapshot();

describe('compiled configs before and after the parameter declarations', () => {
  it('covers the same configs', () => {
    expect(Object.keys(now).sort()).toEqual(Object.keys(before).sort());
    expect(Object.keys(now).length).toBeGreaterThan(15);
  });
  for (const name of Object.keys(before)) {
    it(`${name} compiles as before`, () => {
      expect(now[name]).toEqual(before[name]);
    });
  }
});
