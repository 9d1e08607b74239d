/**
 * The hist calibrator's default share of |x| kept inside the range (ACT's hist_percent). Its own
 * file, free of imports, so the calibrator, the config compiler and the search space (which the
 * workflows bundle) read the one value.
 */
export const HIST_PERCENT_DEFAULT = 0.99999;
