import { Command } from 'commander';
import * as yaml from 'js-yaml';
import { absolutizeConfig } from '../../activities/job-activities';
import { planCompression } from '../../activities/plan-compression';
import { loadJobConfig } from '../../core/config/load';
import { analyzeModel } from '../../core/onnx/analysis';
import { readModel } from '../../core/onnx/model-io';
import { loadPipeline } from '../../core/pipeline';
import { emit, fail } from '../output';
import { preflightOrExit } from './check';

/** `slimflow plan <config.yaml>`: the pipeline a config compiles to, as autoCompress would run it. */
export const planCommand = new Command('plan')
  .description('print the pipeline (YAML) that a job config compiles to, after the automatic strategy choice')
  .argument('<config>', 'job config (YAML)')
  .option('--json', 'print {pipeline, strategy, skipped} as one JSON object on the last line')
  .action(async (configPath: string, opts: { json?: boolean }) => {
    try {
      const config = absolutizeConfig(loadJobConfig(configPath), process.cwd());
      // The same checks as check/compress/run: a wrong input name or a missing data folder fails here, not in the job.
      await preflightOrExit(config);
      // The plan activity's own function: what a job would run, before sensitivity and latency are measured.
      const plan = planCompression({ config, analysis: analyzeModel(readModel(config.Global.model)) });
      loadPipeline(plan.pipeline); // the plan must be a valid pipeline; fail here rather than in the job
      emit(!!opts.json, plan, () =>
        [
          `# strategy: ${plan.strategy}`,
          ...plan.skipped.map((s) => `# skipped ${s.strategy}: ${s.reason}`),
          yaml.dump(plan.pipeline, { lineWidth: 120, noRefs: true }),
        ].join('\n'),
      );
    } catch (e) {
      fail(e);
    }
  });
