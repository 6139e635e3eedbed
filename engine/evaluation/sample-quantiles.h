/* The central credible interval of one pixel's samples, as every coverage
 * of the evaluation and the calibration takes it: the (1 − level) / 2 and
 * (1 + level) / 2 quantiles, linear between order statistics (NumPy's
 * default). */
#ifndef DARKMAP_EVALUATION_SAMPLE_QUANTILES_H
#define DARKMAP_EVALUATION_SAMPLE_QUANTILES_H

/* Sorts values (k >= 1) in place and gives the interval's ends. */
void dm_sample_interval(float *values, int k, double level, double *lo, double *hi);

#endif
