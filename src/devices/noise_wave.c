/* noise_wave.c — see noise_wave.h. */
#include "noise_wave.h"
#include "device.h"
#include "noise_onef.h"
#include "noise_rts.h"
#include "../train/rng.h"
#include "../util/limits.h"

#include <math.h>
#include <stdlib.h>

#define POISSON_MAX_MEAN 700.0   /* exp(-mean) stays a normal double (the product method) */

uint64_t ms_noise_stream(double seed, const char *name)
{
    uint64_t h = 0xcbf29ce484222325ull;   /* FNV-1a of the name, then mixed with the seed */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 0x100000001b3ull;
    return ms_mix64(ms_mix64((uint64_t)seed) ^ h);
}

double ms_noise_uniform(uint64_t stream, uint64_t n, uint64_t j)
{
    return 1.0 - ms_uniform3(stream, n, j);
}

double ms_noise_gauss(uint64_t stream, uint64_t n, uint64_t j)
{
    /* Box-Muller from two uniforms of the draw */
    double r = sqrt(-2 * log(ms_noise_uniform(stream, n, j)));
    return r * cos(2 * 3.14159265358979323846 * ms_noise_uniform(stream, n, j + 1));
}

static double uniform01(const MsWave *w, uint64_t n, uint64_t j) { return ms_noise_uniform(w->stream, n, j); }
static double gauss(const MsWave *w, uint64_t n) { return ms_noise_gauss(w->stream, n, 0); }

double ms_trnoise_sample(const MsWave *w, uint64_t k)
{
    if (k == 0)
        return 0;   /* ngspice: the first sample is 0 */
    double v = w->p[0] != 0 ? w->p[0] * gauss(w, k) : 0;
    if (w->nonef)   /* past the table (a run longer than the deck's tstop): its last sample */
        v += w->onef[k < (uint64_t)w->nonef ? k : (uint64_t)w->nonef - 1];
    return v;
}

double ms_trrandom_draw(const MsWave *w, uint64_t n)
{
    double p1 = w->p[3], p2 = w->p[4];
    switch ((int)w->p[0]) {
    case 1: return p1 * (2 * uniform01(w, n, 0) - 1) + p2;
    case 2: return p1 * gauss(w, n) + p2;
    case 3: return -p1 * log(uniform01(w, n, 0)) + p2;
    default: {   /* 4: Poisson by the product of uniforms (Knuth) */
        double limit = exp(-p1), prod = uniform01(w, n, 0);
        uint64_t k = 0;
        while (prod > limit && k < 100000)   /* (the bound is never reached: mean <= 700) */
            prod *= uniform01(w, n, ++k);
        return (double)k + p2;
    }
    }
}

int ms_noise_finish(MsWave *w, const char **why)
{
    double *p = w->p;
    if (w->kind == WF_TRNOISE) {
        if (w->np < 2) { *why = "TRNOISE needs at least NA and NT"; return -1; }
        for (int i = w->np; i < 7; i++) p[i] = 0;
        if (!(p[0] >= 0 && p[1] >= 0)) { *why = "TRNOISE: NA and NT must be >= 0"; return -1; }
        if (!(p[2] >= 0 && p[2] <= 2)) { *why = "TRNOISE: the 1/f exponent NALPHA must be in [0, 2]"; return -1; }
        if (!(p[3] >= 0)) { *why = "TRNOISE: the 1/f amplitude NAMP must be >= 0"; return -1; }
        if (p[2] > 0 && p[3] > 0 && !(p[1] > 0)) { *why = "TRNOISE: 1/f noise needs a sample interval NT > 0"; return -1; }
        if (!(p[4] >= 0)) { *why = "TRNOISE: the telegraph amplitude RTSAM must be >= 0"; return -1; }
        if (!(p[5] >= 0 && p[6] >= 0)) {
            *why = "TRNOISE: the telegraph times RTSCAPT and RTSEMT must be >= 0";
            return -1;
        }
        if (p[4] > 0 && !(p[5] > 0 && p[6] > 0)) {
            *why = "TRNOISE: random telegraph noise (RTSAM > 0) needs mean times RTSCAPT, RTSEMT > 0";
            return -1;
        }
        return 0;
    }
    if (w->np < 2) { *why = "TRRANDOM needs at least TYPE and TS"; return -1; }
    if (w->np < 3) p[2] = 0;
    if (w->np < 4) p[3] = 1;
    if (w->np < 5) p[4] = 0;
    if (!(p[0] == 1 || p[0] == 2 || p[0] == 3 || p[0] == 4)) {
        *why = "TRRANDOM: TYPE must be 1 (uniform), 2 (Gaussian), 3 (exponential) or 4 (Poisson)";
        return -1;
    }
    if (!(p[1] > 0)) { *why = "TRRANDOM: TS must be > 0"; return -1; }
    if (!(p[2] >= 0)) { *why = "TRRANDOM: TD must be >= 0"; return -1; }
    if (p[0] == 4 && !(p[3] > 0 && p[3] <= POISSON_MAX_MEAN)) {
        *why = "TRRANDOM: the Poisson mean PARAM1 must be in (0, 700]";
        return -1;
    }
    if (p[0] == 3 && !(p[3] > 0)) { *why = "TRRANDOM: the exponential mean PARAM1 must be > 0"; return -1; }
    return 0;
}

static const char *const too_many_total = "TRNOISE: the 1/f and telegraph tables of all sources exceed "
                                          MS_STR(MS_MAX_NOISE_TOTAL) " values (MS_MAX_NOISE_TOTAL)";

int ms_noise_prepare(MsWave *w, double seed, const char *name, double tstop, long *total, const char **why)
{
    w->stream = ms_noise_stream(seed, name);
    if (w->kind != WF_TRNOISE)
        return 0;
    const double *p = w->p;
    if (tstop < 0)
        tstop = 0;
    if (p[2] > 0 && p[3] > 0) {   /* as ngspice: NALPHA = 0 or NAMP = 0 is no 1/f part */
        double n = floor(tstop / p[1]) + 2;   /* samples 0 .. the one after tstop */
        if (!(n <= MS_MAX_NOISE_TABLE)) {
            *why = "TRNOISE: the 1/f part needs more than " MS_STR(MS_MAX_NOISE_TABLE)
                   " samples up to tstop (tstop / NT; MS_MAX_NOISE_TABLE)";
            return -1;
        }
        if (*total + (long)n > MS_MAX_NOISE_TOTAL) {
            *why = too_many_total;
            return -1;
        }
        w->onef = ms_onef_samples(w->stream, p[3], p[2], (long)n);
        w->nonef = (long)n;
        *total += w->nonef;
    }
    if (p[4] > 0) {
        w->nrts = ms_rts_instants(w->stream, p[5], p[6], tstop, &w->rts);
        if (w->nrts < 0 || *total + w->nrts > MS_MAX_NOISE_TOTAL) {
            *why = w->nrts < 0 ? "TRNOISE: the telegraph process switches more than " MS_STR(MS_MAX_NOISE_TABLE)
                                 " times up to tstop (MS_MAX_NOISE_TABLE)"
                               : too_many_total;
            free(w->onef);
            free(w->rts);
            w->onef = w->rts = NULL;
            w->nonef = w->nrts = 0;
            return -1;
        }
        *total += w->nrts;
    }
    return 0;
}

/* The index k with k <= x < k + 1, where x within 1e-9 of an integer counts
 * as that integer (breakpoints computed as k * NT land there). */
static double index_of(double x)
{
    double r = nearbyint(x);
    return fabs(x - r) <= 1e-9 * fmax(1, fabs(x)) ? r : floor(x);
}

double ms_noise_eval(const MsWave *w, double t)
{
    const double *p = w->p;
    if (w->kind == WF_TRNOISE) {
        double rts = w->nrts && t > 0 ? p[4] * ms_rts_level(w->rts, w->nrts, t) : 0;
        if (p[1] == 0 || (p[0] == 0 && !w->nonef) || t <= 0)
            return rts;
        double x = t / p[1], k = index_of(x);
        if (!(k < 9e18))
            return rts;   /* beyond any run's window (refused by the breakpoint bound) */
        double v1 = ms_trnoise_sample(w, (uint64_t)k), v2 = ms_trnoise_sample(w, (uint64_t)k + 1);
        double frac = x - k;
        return v1 + (v2 - v1) * (frac > 0 ? frac : 0) + rts;
    }
    /* TRRANDOM: draw n on (TD + n TS, TD + (n+1) TS]; up to TD the offset
     * PARAM2 (ngspice 39 does so, though its manual speaks of 0) */
    double x = (t - p[2]) / p[1];
    if (x <= 1e-9)
        return p[4];
    double n = index_of(x);
    if (n == x || fabs(x - n) <= 1e-9 * fmax(1, fabs(x)))
        n -= 1;   /* the boundary itself still holds the previous draw, as ngspice's accepted point does */
    if (!(n < 9e18))
        return 0;
    return ms_trrandom_draw(w, (uint64_t)n);
}

void ms_noise_breaks(const MsWave *w, double tstop, MsBreaks *bp)
{
    const double *p = w->p;
    double t0 = w->kind == WF_TRNOISE ? 0 : p[2], dt = p[1];
    if (w->kind == WF_TRNOISE) {
        for (long i = 0; i < w->nrts && w->rts[i] <= tstop; i++)
            ms_breaks_add(bp, w->rts[i]);
        if ((p[0] == 0 && !w->nonef) || dt == 0)
            return;
    }
    for (double k = w->kind == WF_TRNOISE ? 1 : 0; !bp->full; k++) {
        double t = t0 + k * dt;
        if (t > tstop)
            break;
        ms_breaks_add(bp, t);
    }
}
