import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPipeline, parsePipelineText, STAGES } from '../../../core/pipeline';
import { isActivityStage, STAGE_TIMEOUTS } from '../../../workflows/stage-activities';

const dir = path.resolve(__dirname, '../../../configs/pipelines');

describe('example pipelines and catalog', () => {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'));

  it('ships at least two examples', () => expect(files.length).toBeGreaterThanOrEqual(2));

  // checkPipeline refuses unknown stages and stages marked unsupported (core/pipeline/validate.ts), so no errors is the whole check.
  it.each(files)('%s validates', (file) => {
    const { pipeline, errors } = checkPipeline(parsePipelineText(fs.readFileSync(path.join(dir, file), 'utf8'), file));
    expect(errors.map((e) => e.message)).toEqual([]);
    expect(Object.keys(pipeline!.pipeline.steps).length).toBeGreaterThan(0);
  });

  it('gives every supported activity stage a timeout preset, and nothing else', () => {
    const activities = Object.entries(STAGES).filter(([, s]) => s.kind === 'activity' && !s.unsupported).map(([n]) => n);
    expect(Object.keys(STAGE_TIMEOUTS).sort()).toEqual(activities.sort());
    expect(isActivityStage('selectBest')).toBe(false);
  });
});
