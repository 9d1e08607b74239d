import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT, stateRoot } from '../../core/package-root';

describe('package root and state folder', () => {
  it("finds slimflow's package.json above the sources (and above dist/ in a build)", () => {
    expect(JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')).name).toBe('slimflow');
    expect(PACKAGE_ROOT).toBe(path.resolve(__dirname, '..', '..'));
  });

  it('keeps state in the checkout, or where SLIMFLOW_HOME says', () => {
    expect(stateRoot({})).toBe(path.join(PACKAGE_ROOT, '.slimflow'));
    expect(stateRoot({ SLIMFLOW_HOME: 'relative/home' })).toBe(path.resolve('relative/home'));
  });
});
