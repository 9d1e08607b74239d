import { Command } from 'commander';
import { analyzeCommand } from './commands/analyze';

const program = new Command('slimflow')
  .description('automatic ONNX model compression, every stage a durable Temporal activity')
  .version('0.1.0');

program.addCommand(analyzeCommand);

program.parseAsync(process.argv);
