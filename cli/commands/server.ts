import { Command } from 'commander';
import { DEFAULT_STATE_DIR, devServerStatus, ensureDevServer, stopDevServer } from '../../workers/dev-server';
import { emit, fail, info } from '../output';

interface ServerFlags { stateDir: string; json?: boolean }

const stateDirOption = (cmd: Command) =>
  cmd.option('--state-dir <dir>', "the embedded server's state directory (this checkout's by default)", DEFAULT_STATE_DIR).option('--json', 'print as one JSON object on the last line');

/** Exit code of `server status` when no server of this checkout runs (as `systemctl status` does). */
const NOT_RUNNING = 3;

const status = stateDirOption(new Command('status').description("show this checkout's embedded Temporal dev server (address, Web UI, pid, log)")).action(
  async (flags: ServerFlags) => {
    try {
      const s = await devServerStatus(flags.stateDir);
      const value = s ? { running: s.answering, ...s } : { running: false, stateDir: flags.stateDir };
      emit(!!flags.json, value, () =>
        !s
          ? `no embedded server recorded in ${flags.stateDir}`
          : [
              `embedded dev server ${s.answering ? 'running' : 'recorded but not answering'}: ${s.address} (pid ${s.pid}, since ${s.startedAt})`,
              ...(s.uiUrl ? [`  web UI ${s.uiUrl}`] : []),
              `  database ${s.dbFile}`,
              `  log ${s.logFile}`,
            ].join('\n'),
      );
      process.exit(s?.answering ? 0 : NOT_RUNNING);
    } catch (e) {
      fail(e);
    }
  },
);

const stop = stateDirOption(new Command('stop').description("stop this checkout's embedded dev server (one left running with --keep-server)")).action(
  async (flags: ServerFlags) => {
    try {
      const stopped = await stopDevServer(flags.stateDir);
      emit(!!flags.json, { stopped }, () => (stopped ? 'embedded dev server stopped' : `no embedded server recorded in ${flags.stateDir}`));
      process.exit(0);
    } catch (e) {
      fail(e);
    }
  },
);

const start = stateDirOption(new Command('start').description("start this checkout's embedded dev server in the background (stop it with `slimflow server stop`)")).action(
  async (flags: ServerFlags) => {
    try {
      const s = await ensureDevServer({ stateDir: flags.stateDir });
      if (s.setAsideDb) info(`a database copied from another checkout was moved to ${s.setAsideDb}`);
      emit(!!flags.json, s, () => `embedded dev server ${s.started ? 'started' : 'already running'}: ${s.address} (pid ${s.pid})${s.uiUrl ? `\n  web UI ${s.uiUrl}` : ''}`);
      process.exit(0);
    } catch (e) {
      fail(e);
    }
  },
);

/** `slimflow server start|status|stop`: the embedded Temporal dev server of this checkout. */
export const serverCommand = new Command('server').description("manage this checkout's embedded Temporal dev server").addCommand(start).addCommand(status).addCommand(stop);
