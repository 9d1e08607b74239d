import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The project-local Python of the peer quantizer: .tools/py (gitignored), with onnxruntime installed on first use. */
export async function peerPython(root: string, log: (msg: string) => void): Promise<{ python?: string; error?: string }> {
  const venv = path.join(root, '.tools', 'py');
  const python = path.join(venv, 'bin', 'python');
  const ready = async () => {
    try {
      await run(python, ['-c', 'import onnxruntime, onnx, numpy']);
      return true;
    } catch {
      return false;
    }
  };
  if (fs.existsSync(python) && (await ready())) return { python };
  try {
    log(`installing onnxruntime for the peer quantizer into ${venv} (one time)`);
    if (!fs.existsSync(python)) await run('python3', ['-m', 'venv', venv]);
    await run(path.join(venv, 'bin', 'pip'), ['install', '--quiet', 'onnxruntime', 'onnx', 'numpy'], { maxBuffer: 1 << 24 });
  } catch (e) {
    const msg = ((e as { stderr?: string }).stderr || (e as Error).message).trim().split('\n').slice(-2).join(' ');
    return { error: `cannot install Python onnxruntime into ${venv} (offline? no python3-venv?): ${msg}` };
  }
  return (await ready()) ? { python } : { error: `onnxruntime still not importable from ${python}` };
}

/** Run bench/peer/ort_quantize.py; its last stdout line is a JSON object of figures. */
export async function runPeerQuantizer(python: string, model: string, calibDir: string, out: string, inputName: string): Promise<{ seconds: number; peakRssMB: number; notes: string[] }> {
  const script = path.join(__dirname, 'ort_quantize.py');
  const { stdout } = await run(python, [script, model, calibDir, out, '--input-name', inputName], { maxBuffer: 1 << 26 });
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last);
}
