/**
 * Other tools' names for the calibration methods slimflow has, so a config written for them reads as
 * meant. Only names of the same method are mapped; README "Config" lists them.
 *
 *   onnxruntime (CalibrationMethod)   INC (calibration algorithm)   slimflow
 *   MinMax                            minmax                        abs_max  (range of the observed values)
 *   Entropy                           kl                            KL       (KL divergence of the histogram)
 *   Percentile                        percentile                    hist     (a share of |x| kept inside the range)
 *   -                                 mse                           mse      (least squared quantization error)
 *
 * onnxruntime's Distribution has no slimflow counterpart and stays unknown. Matching ignores case
 * ("kl", "Abs_Max").
 */
export const CALIBRATOR_ALIASES: Readonly<Record<string, string>> = {
  minmax: 'abs_max',
  entropy: 'KL',
  percentile: 'hist',
};

/** The registered name a calibrator name means (an alias or a case variant), or undefined. */
export function canonicalCalibrator(name: string, known: readonly string[]): string | undefined {
  if (known.includes(name)) return name;
  const lower = name.toLowerCase();
  const alias = CALIBRATOR_ALIASES[lower];
  if (alias && known.includes(alias)) return alias;
  return known.find((k) => k.toLowerCase() === lower);
}
