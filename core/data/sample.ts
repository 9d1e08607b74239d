/** One preprocessed model input (C×H×W floats) with its id and, for labeled data, its class index. */
export interface Sample {
  id: string;
  dims: number[];
  data: Float32Array;
  label?: number;
}

/** A dataset opened for reading: it knows its size and yields samples in a fixed order. */
export interface SampleSource {
  /** Where the data comes from, for error messages (folder, file list, "rendered-textlines(seed=…)"). */
  readonly where: string;
  /** Whether every sample carries a label. */
  readonly labeled: boolean;
  count(): Promise<number>;
  samples(limit?: number): AsyncGenerator<Sample>;
}
