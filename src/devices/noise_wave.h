/* noise_wave.h — random source waveforms, in ngspice's syntax and semantics:
 *   TRNOISE(NA NT [NALPHA NAMP [RTSAM RTSCAPT RTSEMT]]): a sample every NT
 *     (sample 0, at t = 0, is 0), linear between samples, the sum of a
 *     white Gaussian one of rms NA and a 1/f^NALPHA one of amplitude NAMP
 *     (noise_onef.h); plus a random telegraph signal 0 / RTSAM
 *     (noise_rts.h).  The 1/f samples and telegraph instants are
 *     precomputed up to tstop by ms_noise_prepare;
 *   TRRANDOM(TYPE TS [TD [PARAM1 [PARAM2]]]): a random value held for TS,
 *     drawn from (1) uniform PARAM1·[-1, 1) + PARAM2, (2) Gaussian, sigma
 *     PARAM1, mean PARAM2, (3) exponential of mean PARAM1, + PARAM2, (4)
 *     Poisson of mean PARAM1, + PARAM2; PARAM2 up to TD (as ngspice 39),
 *     draw n on (TD + n TS, TD + (n+1) TS].
 * Draws are counter-based (train/rng.h): sample k of a source is a hash of
 * (.options seed, the source's flattened name, k), so a waveform is a pure
 * function of time: the same under any thread count, source order, input
 * file or replay, and different for another seed.  The 1/f drive uses
 * uniforms 2, 3 of draw j and the telegraph dwells uniform 4, apart from
 * the white part's 0, 1. */
#ifndef MS_NOISE_WAVE_H
#define MS_NOISE_WAVE_H

#include "waveform.h"

/* The stream of source `name` under seed (kept in w->stream). */
uint64_t ms_noise_stream(double seed, const char *name);
/* The j-th uniform in (0, 1] of draw n; a Gaussian from uniforms j, j + 1. */
double ms_noise_uniform(uint64_t stream, uint64_t n, uint64_t j);
double ms_noise_gauss(uint64_t stream, uint64_t n, uint64_t j);
/* Set w's stream for (seed, the source's flattened name) and precompute
 * TRNOISE's 1/f samples and telegraph instants up to tstop (the deck's;
 * a longer run holds their last values), adding their number to *total;
 * -1 with *why (and no tables) past MS_MAX_NOISE_TABLE or, for *total,
 * MS_MAX_NOISE_TOTAL. */
int ms_noise_prepare(MsWave *w, double seed, const char *name, double tstop, long *total, const char **why);
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
