// The Q/DQ placements a PTQ trial can use (QuantPost.qdq_placement besides 'auto'); what each means to
// the quantizer is core/quant/trial-options.ts PLACEMENT_OPTIONS. Which is fastest depends on the model
// and the CPU, so `auto` makes them a search dimension and the job keeps the faster, measured.

export const PLACEMENTS = ['integer-path', 'conv-only', 'integer-wide'] as const;
export type Placement = (typeof PLACEMENTS)[number];

/** What `auto` tries: every placement, or the two that histories recorded before 'integer-wide' compiled to. */
export const autoPlacements = (opts: { widePlacement?: boolean }): Placement[] =>
  (opts.widePlacement ?? true ? [...PLACEMENTS] : ['integer-path', 'conv-only']);
