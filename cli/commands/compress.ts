import * as path from 'node:path';
import { Command } from 'commander';
import { loadJobConfig } from '../../core/config/load';
import { formatReport, JobReport } from '../../core/report/report';
import { absolutizeConfig } from '../../activities/job-activities';
import { withClusterFlags } from '../cluster';
import { JobFlags, runJob } from '../job-runner';
import { emit, fail } from '../output';

/** `slimflow compress <config.yaml>`: the automatic job, from config to report. */
export const compressCommand = withClusterFlags(
  new Command('compress')
    .description('compress a model as its config asks: analysis, teacher, PTQ trials, validation, report (workflow autoCompress)')
    .argument('<config>', 'job config (YAML, ACT-style sections)')
    .option('--json', 'print the report as one JSON object on the last line')
    .option('--no-local-worker', 'do not run a worker in this process; rely on `slimflow worker` processes')
    .option('--keep-server', 'leave the embedded dev server running afterwards'),
).action(async (configPath: string, flags: JobFlags & { json?: boolean }) => {
  try {
    // Validate here first: a wrong key is reported before any server starts.
    const config = absolutizeConfig(loadJobConfig(configPath), process.cwd());
    const model = path.basename(config.Global.model, '.onnx');
    const report = await runJob<JobReport>(flags, (client) =>
      client.workflow.start('autoCompress', {
        taskQueue: flags.taskQueue,
        workflowId: `compress-${model}-${Date.now()}`,
        args: [{ config }],
      }),
    );
    emit(!!flags.json, report, () => formatReport(report));
    process.exit(0);
  } catch (e) {
    fail(e);
  }
});
