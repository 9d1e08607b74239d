import { Command } from 'commander';
import { analyzeCommand } from './commands/analyze';
import { benchCommand } from './commands/bench';
import { compressCommand } from './commands/compress';
import { checkCommand } from './commands/check';
import { devCommand } from './commands/dev';
import { evalCommand } from './commands/eval';
import { cancelCommand } from './commands/cancel';
import { fleetCommand } from './commands/fleet';
import { pauseCommand } from './commands/pause';
import { resumeCommand } from './commands/resume';
import { statusCommand } from './commands/status';
import { estimateCommand } from './commands/estimate';
import { planCommand } from './commands/plan';
import { profileCommand } from './commands/profile';
import { runCommand } from './commands/run';
import { quantizeCommand } from './commands/quantize';
import { workerCommand } from './commands/worker';
import { serverCommand } from './commands/server';
import { slimflowVersion } from '../core/fleet/key';

const program = new Command('slimflow')
  .description('automatic ONNX model compression; every stage is a durable Temporal activity')
  .version(slimflowVersion());

for (const cmd of [compressCommand, checkCommand, runCommand, planCommand, devCommand, serverCommand, workerCommand, analyzeCommand, benchCommand, profileCommand, estimateCommand, quantizeCommand, evalCommand, fleetCommand, statusCommand, pauseCommand, resumeCommand, cancelCommand]) {
  program.addCommand(cmd);
}

program.parseAsync(process.argv);
