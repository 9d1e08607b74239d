// Errors that name, not quote: a latency table path pointed at a file that is not JSON (the
// password file, say) is named with what was expected, never with the file's content.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTable } from '../../../core/latency/table';

describe('latency table errors', () => {
  it('name the file and what was expected, not its first line', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sf-noquote-')), 'passwd');
    fs.writeFileSync(file, 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/:/usr/sbin/nologin\n');
    let msg = '';
    try {
      readTable(file);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/latency table is not JSON.*expected a table written by `slimflow profile`/);
    expect(msg).toContain(file);
    expect(msg).not.toMatch(/root|daemon|bin\/bash/);
  });
});
