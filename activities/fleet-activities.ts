// Activities of the fleet workflow: load the manifest, compute each model's content key, publish a
// finished job into the registry (exactly once per key), write the index page. The logic lives in
// core/fleet; these unpack inputs, call it and turn input errors into non-retryable failures.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../core/artifacts/atomic';
import { checkOutputDir } from '../core/artifacts/output-roots';
import { checkAcceptance } from '../core/fleet/acceptance';
import { fleetKey, KeyParts, slimflowVersion } from '../core/fleet/key';
import { pipelineFleetKey, PipelineKeyParts } from '../core/fleet/pipeline-key';
import { publishVersion, readLatest, readVersion, setLatest, stagingDir, versionDir, versionName } from '../core/fleet/registry';
import { loadFleet } from '../core/fleet/resolve';
import type { FleetEntry, FleetInput, ModelOutcome, ResolvedFleet } from '../core/fleet/types';
import { renderFleetIndex, IndexRow } from '../core/report/fleet-index';
import { esc } from '../core/report/escape';
import { renderReportHtml } from '../core/report/html';
import type { JobReport } from '../core/report/report';
import { SlimflowError } from '../core/errors';
import { asActivity } from './failures';

/** The registry must lie under an output root (else the run fails once); an entry whose folder does not carries the error. */
export function checkFleetOutputs(fleet: ResolvedFleet): ResolvedFleet {
  checkOutputDir(fleet.registry, 'registry');
  return {
    ...fleet,
    entries: fleet.entries.map((e) => {
      if (e.error) return e;
      try {
        checkOutputDir(e.modelRoot, `models.${e.name}.output`);
        return e;
      } catch (err) {
        return { ...e, error: (err as Error).message };
      }
    }),
  };
}

/** What fleetModelKey answers: the key, and the version already published for it if any. */
export interface FleetKeyResult {
  key: string;
  parts: KeyParts | PipelineKeyParts;
  stagingDir: string;
  existing: { accepted: boolean; reason?: string; dir: string; version: string; publishedAt: string } | null;
}

/** Activities of `fleetRecompress`. */
export function createFleetActivities() {
  return {
    /** Read and resolve the fleet manifest (entries that cannot run carry their error). */
    async loadFleet(input: FleetInput): Promise<ResolvedFleet> {
      return asActivity(() => checkFleetOutputs(loadFleet(input)));
    },

    /** Hash what determines a model's result and look the key up in the registry. */
    async fleetModelKey(input: { entry: FleetEntry }): Promise<FleetKeyResult> {
      return asActivity(() => {
        const { entry } = input;
        if (!entry.config && !entry.pipeline) throw new SlimflowError('INVALID_CONFIG', entry.error ?? 'entry has no config or pipeline', entry.name);
        const { key, parts } = entry.pipeline ? pipelineFleetKey(entry.pipeline, slimflowVersion()) : fleetKey(entry.config!, slimflowVersion());
        const rec = readVersion(entry.modelRoot, key);
        const existing = rec
          ? { accepted: rec.accepted, ...(rec.reason ? { reason: rec.reason } : {}), dir: path.join(entry.modelRoot, versionName(key)), version: versionName(key), publishedAt: rec.publishedAt }
          : null;
        // An unchanged accepted result is the current one even if another version was latest meanwhile.
        if (rec?.accepted && readLatest(entry.modelRoot)?.key !== key) setLatest(entry.modelRoot, key, new Date().toISOString());
        return { key, parts, stagingDir: stagingDir(entry.modelRoot, key), existing };
      });
    },

    /** Publish a finished job as the key's version; `latest` moves only when the report passes the thresholds. */
    async publishFleetModel(input: { entry: FleetEntry; key: string; parts: KeyParts | PipelineKeyParts; report: JobReport; stagingDir: string; workflowId: string }): Promise<ModelOutcome> {
      return asActivity(() => {
        const { entry, key, report } = input;
        checkOutputDir(entry.modelRoot, `models.${entry.name}.output`);
        const verdict = checkAcceptance(report, entry.acceptance);
        const reason = verdict.passed ? undefined : verdict.missed.join('; ');
        // A retry after a publish that completed (staging already removed) answers from the registry.
        const done = readVersion(entry.modelRoot, key);
        const files = done ? {} : stagedFiles(input.stagingDir, versionDir(entry.modelRoot, key), report);
        const now = new Date().toISOString();
        // An accepted version becomes latest in the switch that writes its history line (also on a retry).
        const res = publishVersion(entry.modelRoot, { name: entry.name, key, parts: input.parts as unknown as Record<string, unknown>, accepted: verdict.passed, ...(reason ? { reason } : {}), publishedAt: now, workflowId: input.workflowId }, files, { latestAt: now });
        fs.rmSync(input.stagingDir, { recursive: true, force: true });
        removeIfEmpty(path.dirname(input.stagingDir));
        return {
          name: entry.name,
          status: res.record.accepted ? 'compressed' : 'rejected',
          key,
          versionDir: res.dir,
          ...(res.record.reason ? { reason: res.record.reason } : {}),
          workflowId: input.workflowId,
        };
      });
    },

    /** Write the fleet's index.html (and last-run.json) at the registry root. */
    async writeFleetIndex(input: { fleet: string; registry: string; outcomes: ModelOutcome[]; entries?: Pick<FleetEntry, 'name' | 'modelRoot'>[] }): Promise<{ path: string }> {
      return asActivity(() => {
        checkOutputDir(input.registry, 'registry');
        const file = path.join(input.registry, 'index.html');
        const roots = new Map((input.entries ?? []).map((e) => [e.name, e.modelRoot]));
        const rows = input.outcomes.map((o) => ({ ...indexRow(input.registry, o), ...latestOf(input.registry, roots.get(o.name)) }));
        writeFileAtomic(file, renderFleetIndex(input.fleet, rows, new Date().toISOString()));
        writeFileAtomic(path.join(input.registry, 'last-run.json'), `${JSON.stringify({ fleet: input.fleet, at: new Date().toISOString(), outcomes: input.outcomes }, null, 2)}\n`);
        return { path: file };
      });
    },
  };
}

// The staged job output: model, report.json and report.html (rendered here if the job wrote none).
// The reports name the staging folder; once published they must name the version folder instead.
function stagedFiles(dir: string, finalDir: string, report: JobReport): Record<string, string> {
  const model = fs.existsSync(report.best.modelPath) ? report.best.modelPath : path.join(dir, 'model.onnx');
  if (!fs.existsSync(model)) throw new SlimflowError('NOT_FOUND', 'the job finished but its model is missing', model);
  const json = path.join(dir, 'report.json');
  const html = path.join(dir, 'report.html');
  const relocate = (text: string, from: string, to: string) => text.split(from).join(to);
  const modelRel = { from: model, to: path.join(finalDir, 'model.onnx') };
  const jsonText = fs.existsSync(json) ? fs.readFileSync(json, 'utf8') : `${JSON.stringify(report, null, 2)}\n`;
  writeFileAtomic(json, relocate(relocate(jsonText, JSON.stringify(modelRel.from).slice(1, -1), JSON.stringify(modelRel.to).slice(1, -1)), JSON.stringify(dir).slice(1, -1), JSON.stringify(finalDir).slice(1, -1)));
  const htmlText = fs.existsSync(html) ? fs.readFileSync(html, 'utf8') : renderReportHtml(report);
  writeFileAtomic(html, relocate(relocate(htmlText, esc(modelRel.from), esc(modelRel.to)), esc(dir), esc(finalDir)));
  return { 'model.onnx': model, 'report.json': json, 'report.html': html };
}

function removeIfEmpty(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch {
    // Not empty (another key is staging) or already gone.
  }
}

function latestOf(registry: string, modelRoot: string | undefined): { latest?: string; latestReport?: string } {
  const ptr = modelRoot ? readLatest(modelRoot) : null;
  if (!ptr) return {};
  const html = path.join(ptr.dir, 'report.html');
  return { latest: ptr.version, ...(fs.existsSync(html) ? { latestReport: reportLink(registry, html) } : {}) };
}

// Relative to the index when the report lies under the registry (the folder can move), else absolute.
function reportLink(registry: string, html: string): string {
  const rel = path.relative(registry, html);
  return rel.startsWith('..') ? `file://${html}` : rel.split(path.sep).join('/');
}

function indexRow(registry: string, o: ModelOutcome): IndexRow {
  const row: IndexRow = { name: o.name, status: o.status, ...(o.reason ? { reason: o.reason } : {}) };
  if (!o.versionDir) return row;
  row.version = path.basename(o.versionDir);
  const html = path.join(o.versionDir, 'report.html');
  if (fs.existsSync(html)) row.report = reportLink(registry, html);
  const json = path.join(o.versionDir, 'report.json');
  if (fs.existsSync(json)) {
    const r = JSON.parse(fs.readFileSync(json, 'utf8')) as JobReport;
    row.speedup = r.speedup;
    row.accuracyDrop = r.accuracyDrop;
  }
  return row;
}
