/* noise_wave.h — random source waveforms, in ngspice's syntax and semantics:
 *   TRNOISE(NA NT [NALPHA NAMP [RTSAM RTSCAPT RTSEMT]]): white noise, a
 *     Gaussian sample of rms NA every NT (sample 0, at t = 0, is 0), linear
 *     between samples; 1/f and random telegraph noise are refused;
 *   TRRANDOM(TYPE TS [TD [PARAM1 [PARAM2]]]): a random value held for TS,
 *     drawn from (1) uniform PARAM1·[-1, 1) + PARAM2, (2) Gaussian, sigma
 *     PARAM1, mean PARAM2, (3) exponential of mean PARAM1, + PARAM2, (4)
 *     Poisson of mean PARAM1, + PARAM2; PARAM2 up to TD (as ngspice 39),
 *     draw n on (TD + n TS, TD + (n+1) TS].
 * Draws are counter-based (train/rng.h): sample k of a source is a hash of
 * (.options seed, the source's flattened name, k), so a waveform is a pure
 * function of time: the same under any thread count, source order, input
 * file or replay, and different for another seed. */
#ifndef MS_NOISE_WAVE_H
#define MS_NOISE_WAVE_H

#include "waveform.h"

/* The stream of source `name` under seed (kept in w->stream). */
uint64_t ms_noise_stream(double seed, const char *name);
/* Check the parameters and fill defaults; -1 with *why if invalid. */
int ms_noise_finish(MsWave *w, const char **why);
/* The noise part of the value at t (without the DC value). */
double ms_noise_eval(const MsWave *w, double t);
/* Sample times (TRNOISE) or hold boundaries (TRRANDOM) up to tstop. */
void ms_noise_breaks(const MsWave *w, double tstop, struct MsBreaks *bp);
/* TRRANDOM's draw n and TRNOISE's sample k, for tests. */
double ms_trrandom_draw(const MsWave *w, uint64_t n);
double ms_trnoise_sample(const MsWave *w, uint64_t k);

#endif
