/** An axis-aligned text box in input pixels (x1, y1 exclusive), with the text it holds when known. */
export interface TextBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  text?: string;
}

/** What a sample is labeled with: a class index (cls), the line's text (rec), or the page's text boxes (det). */
export type Label = number | string | TextBox[];

/** One preprocessed model input (C×H×W floats) with its id and, for labeled data, its label. */
export interface Sample {
  id: string;
  dims: number[];
  data: Float32Array;
  label?: Label;
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
