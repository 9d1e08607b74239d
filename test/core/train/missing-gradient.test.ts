import { describe, expect, it } from 'vitest';
import { gradientError } from './gradcheck';

describe('an op without a gradient rule', () => {
  it('is refused before training starts, naming the op and its node', async () => {
    const err = await gradientError({ op: 'Sin', inputs: [{ dims: [2, 3], wrt: true }] }).then(() => undefined, (e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toMatch(/no gradient for op Sin \(node op_under_test\); training cannot start/);
  });
});
