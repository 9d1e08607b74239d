import { Command } from 'commander';
import { loadJobConfig } from '../../core/config/load';
import { addOutputRoots, checkOutputLocation } from '../../core/artifacts/output-roots';
import { formatReport, JobReport } from '../../core/report/report';
import { absolutizeConfig } from '../../activities/job-activities';
import { defaultDeps } from '../../activities/deps';
import { isSharedStore, stageModelInput } from '../../core/artifacts/stage-inputs';
import { withClusterFlags } from '../cluster';
import { exitCodeOf, JobFlags, runJob, withJobFlags } from '../job-runner';
import { compressWorkflowId } from '../job-id';
import { emit, fail, info } from '../output';

/** `slimflow compress <config.yaml>`: the automatic job, from config to report. */
export const compressCommand = withJobFlags(withClusterFlags(
  new Command('compress')
    .description('compress a model as its config asks: analysis, teacher, PTQ trials, validation, report (workflow autoCompress); exits 3 when the target is not met')
    .argument('<config>', 'job config (YAML, ACT-style sections)')
    .option('--json', 'print the report as one JSON object on the last line'),
)).action(async (configPath: string, flags: JobFlags & { json?: boolean }) => {
  try {
    // Validate here first: a wrong key or an output folder that cannot be written is reported before any server starts.
    addOutputRoots(flags.outputRoot ?? []);
    const config = absolutizeConfig(loadJobConfig(configPath), process.cwd());
    checkOutputLocation(config.Global.output_dir, 'Global.output_dir');
    await (await import('./check')).preflightOrExit(config); // model, feed, data, names: before any server or workflow starts
    // With a shared store, workers on other machines read the model from it, not from this machine's path.
    const job = isSharedStore(process.env.SLIMFLOW_STORE) ? await stageModelInput(config, defaultDeps().store) : config;
    const outcome = await runJob<JobReport>(flags, { type: 'autoCompress', workflowId: compressWorkflowId(config), args: [{ config: job }] });
    const report = outcome.result;
    if (report) emit(!!flags.json, report, () => formatReport(report));
    else if (outcome.interrupted) info(`job ${outcome.workflowId} cancelled${outcome.bestSoFar ? `; best so far ${outcome.bestSoFar}` : '; no candidate had finished'}`);
    process.exit(exitCodeOf(outcome, !!report?.target.met));
  } catch (e) {
    fail(e);
  }
});
