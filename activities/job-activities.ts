import * as path from 'node:path';
import { ArtifactRef, REF_SCHEME } from '../core/artifacts/store';
import { writeFileAtomic } from '../core/artifacts/atomic';
import { failpoint } from '../core/artifacts/failpoint';
import { checkOutputFile, checkOutputLocation } from '../core/artifacts/output-roots';
import { isRemoteLocation } from '../core/artifacts/remote-output';
import { loadJobConfig, parseJobConfig } from '../core/config/load';
import { JobConfig } from '../core/config/schema';
import { SlimflowError } from '../core/errors';
import { loadPipeline, parsePipelineText } from '../core/pipeline/load';
import { PipelineValidationError } from '../core/pipeline/validate';
import { ApplicationFailure } from '@temporalio/common';
import { renderReportHtml } from '../core/report/html';
import { JobReport, withWriterMeta } from '../core/report/report';
import { slimflowVersion } from '../core/fleet/key';
import { cpuFeatures } from '../core/runtime/cpu-features';
import { cpuPlacement } from '../core/quant/cpu-placement';
import { ActivityDeps } from './deps';
import { asActivity } from './failures';
import { guardOutputDir, guardRemoteOutput } from './output-guard';

/** Store bytes checked against their hash; a mismatch is corrupt input that a retry cannot mend. */
async function readVerified(deps: ActivityDeps, ref: ArtifactRef): Promise<Buffer> {
  try {
    return await deps.store.read(ref);
  } catch (e) {
    if (/does not match its hash|artifact missing/.test((e as Error).message)) throw new SlimflowError('INVALID_DATA', (e as Error).message, ref.uri);
    throw e;
  }
}

/** Make every path in a config absolute, so any worker resolves it the same way. */
export function absolutizeConfig(config: JobConfig, baseDir: string): JobConfig {
  // A store reference (an input the client put into the shared store) is no path: it stays as it is.
  const abs = (p: string) => (p.startsWith(REF_SCHEME) || isRemoteLocation(p) || path.isAbsolute(p) ? p : path.resolve(baseDir, p));
  const data = (d: JobConfig['Global']['calibration_data']) => {
    if (d.kind === 'images') return { ...d, dir: abs(d.dir), ...(d.labels ? { labels: abs(d.labels) } : {}) };
    if (d.kind === 'npy') return { ...d, ...(d.dir ? { dir: abs(d.dir) } : {}), ...(d.files ? { files: d.files.map(abs) } : {}) };
    return d;
  };
  return {
    ...config,
    Global: {
      ...config.Global,
      model: abs(config.Global.model),
      deploy: { ...config.Global.deploy, ...(config.Global.deploy.latency_table ? { latency_table: abs(config.Global.deploy.latency_table) } : {}) },
      output_dir: abs(config.Global.output_dir),
      calibration_data: data(config.Global.calibration_data),
      ...(config.Global.eval_data ? { eval_data: data(config.Global.eval_data) } : {}),
    },
  };
}

/**
 * The deploy section with the latency table the job will use: the config's, else the worker's
 * SLIMFLOW_LATENCY_TABLE. Resolved here, once, so the workflow's decisions rest on a recorded value.
 */
function withLatencyTable(config: JobConfig): JobConfig {
  const env = process.env.SLIMFLOW_LATENCY_TABLE;
  if (config.Global.deploy.latency_table || !env) return config;
  return { ...config, Global: { ...config.Global, deploy: { ...config.Global.deploy, latency_table: path.resolve(env) } } };
}

/** Activities around a job: reading its config, publishing its result. */
export function createJobActivities(deps: ActivityDeps) {
  return {
    /** Validate a job's config (given inline or as a YAML path) and make its paths absolute. */
    async prepareJob(input: { config?: unknown; configPath?: string }): Promise<{ config: JobConfig }> {
      return asActivity(() => {
        if (input.configPath) {
          const config = withLatencyTable(absolutizeConfig(loadJobConfig(input.configPath), process.cwd()));
          checkOutputLocation(config.Global.output_dir, 'Global.output_dir');
          return { config };
        }
        if (input.config === undefined) throw new SlimflowError('INVALID_CONFIG', 'the job needs "config" (an object) or "configPath" (a YAML file)');
        const config = withLatencyTable(absolutizeConfig(parseJobConfig(input.config, 'job input: config'), process.cwd()));
        // Found now, not after the whole job: an output folder outside the roots, a link, a file.
        checkOutputLocation(config.Global.output_dir, 'Global.output_dir');
        return { config };
      });
    },

    /**
     * Parse (when text) and validate a pipeline sent to runPipeline, within the size limits, so no
     * workflow task ever parses YAML: a bad or oversized pipeline fails once, non-retryably.
     */
    async checkPipelineInput(input: { pipeline: unknown }): Promise<{ document: unknown }> {
      return asActivity(() => {
        const document = typeof input.pipeline === 'string' ? parsePipelineText(input.pipeline, 'runPipeline input: pipeline') : input.pipeline;
        try {
          loadPipeline(document, 'runPipeline input: pipeline');
        } catch (e) {
          if (!(e instanceof PipelineValidationError)) throw e;
          // Every problem, as runPipeline reported them when it validated in the workflow.
          throw ApplicationFailure.create({ message: e.message, type: 'INVALID_PIPELINE', nonRetryable: true, details: [{ errors: e.errors.map((x) => ({ message: x.message, path: x.path ?? null })) }] });
        }
        return { document };
      });
    },

    /** Copy the chosen model out of the store to the output folder (as `file`, default model.onnx), atomically; returns its path. */
    async publishModel(input: { model: ArtifactRef; outputDir: string; label?: string; file?: string }): Promise<{ path: string }> {
      return asActivity(async () => {
        if (input.file !== undefined && (path.basename(input.file) !== input.file || !input.file.endsWith('.onnx'))) {
          throw new SlimflowError('INVALID_PIPELINE', `publishModel file must be a plain .onnx file name, got "${input.file}"`, 'file');
        }
        if (isRemoteLocation(input.outputDir)) {
          const out = await guardRemoteOutput(input.outputDir, 'publishModel.outputDir');
          return { path: await out.write(input.file ?? 'model.onnx', await readVerified(deps, input.model)) };
        }
        const dir = await guardOutputDir(input.outputDir, 'publishModel.outputDir');
        const file = checkOutputFile(path.join(dir, input.file ?? 'model.onnx'), 'publishModel.file');
        writeFileAtomic(file, await readVerified(deps, input.model));
        return { path: file };
      });
    },

    /** Write the job report (report.json, and report.html for people) next to the published model. */
    async writeReport(input: { report: unknown; outputDir: string; config?: unknown; pipeline?: unknown }): Promise<{ path: string; html: string }> {
      return asActivity(async () => {
        const report = withWriterMeta(input.report as JobReport, { slimflowVersion: slimflowVersion(), cpu: { ...cpuFeatures(), placement: cpuPlacement(cpuFeatures()) }, config: input.config });
        if (isRemoteLocation(input.outputDir)) {
          const out = await guardRemoteOutput(input.outputDir, 'Global.output_dir');
          const file = await out.write('report.json', `${JSON.stringify(report, null, 2)}\n`);
          return { path: file, html: await out.write('report.html', renderReportHtml(report, { config: input.config, pipeline: input.pipeline })) };
        }
        const dir = await guardOutputDir(input.outputDir, 'Global.output_dir');
        const file = checkOutputFile(path.join(dir, 'report.json'), 'Global.output_dir');
        const html = checkOutputFile(path.join(dir, 'report.html'), 'Global.output_dir');
        writeFileAtomic(file, `${JSON.stringify(report, null, 2)}\n`);
        failpoint('between-reports');
        writeFileAtomic(html, renderReportHtml(report, { config: input.config, pipeline: input.pipeline }));
        return { path: file, html };
      });
    },
  };
}
