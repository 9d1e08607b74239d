// The quantizer's revision, part of every PTQ trial's cache key (activities/ptq-trial.ts): a trial is
// looked up by what decides its result, and the code that builds it is part of that. Raise it when a
// change makes the same trial config build a different model, so a warm artifact store does not hand
// back models of the earlier code.
// 2: transformer placement — Adds into Gelu/LayerNorm stay float (fused-float.ts); act × act MatMuls; int8 embeddings.
export const QUANTIZER_REVISION = 2;
