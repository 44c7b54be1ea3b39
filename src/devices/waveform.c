/* waveform.c — see waveform.h. */
#include "waveform.h"
#include "device.h"
#include "noise_wave.h"
#include "../util/limits.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void ms_breaks_add(MsBreaks *b, double t)
{
    if (b->n >= MS_MAX_BREAKS) {
        b->full = 1;
        return;
    }
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 64;
        b->t = ms_realloc(b->t, (size_t)b->cap * sizeof *b->t);
    }
    b->t[b->n++] = t;
}

int ms_wave_finish(MsWave *w, double tstep, double tstop, const char **why)
{
    double *p = w->p;
    if (tstep <= 0)
        tstep = tstop > 0 ? tstop / 50 : 1e-9;
    if (tstop <= 0)
        tstop = 100 * tstep;
    switch (w->kind) {
    case WF_PULSE:
        if (w->np < 2) { *why = "PULSE needs at least v1 and v2"; return -1; }
        if (w->np < 3) p[2] = 0;
        if (w->np < 4 || p[3] <= 0) p[3] = tstep;
        if (w->np < 5 || p[4] <= 0) p[4] = tstep;
        if (w->np < 6 || p[5] <= 0) p[5] = tstop;
        if (w->np < 7 || p[6] <= 0) p[6] = tstop;
        if (p[6] < p[3] + p[4] + p[5]) p[6] = p[3] + p[4] + p[5];
        if (w->np < 8) p[7] = 0;
        break;
    case WF_SIN:
        if (w->np < 2) { *why = "SIN needs at least vo and va"; return -1; }
        if (w->np < 3 || p[2] <= 0) p[2] = 1.0 / tstop;
        for (int i = w->np > 3 ? w->np : 3; i < 6; i++) p[i] = 0;
        break;
    case WF_EXP:
        if (w->np < 2) { *why = "EXP needs at least v1 and v2"; return -1; }
        if (w->np < 3) p[2] = 0;
        if (w->np < 4 || p[3] <= 0) p[3] = tstep;
        if (w->np < 5 || p[4] <= 0) p[4] = p[2] + tstep;
        if (w->np < 6 || p[5] <= 0) p[5] = tstep;
        break;
    case WF_PWL:
        if (w->npts < 1) { *why = "PWL needs at least one (time, value) pair"; return -1; }
        for (int i = 1; i < w->npts; i++)
            if (w->t[i] < w->t[i - 1]) { *why = "PWL times must not decrease"; return -1; }
        if (w->repeat >= 0 && (w->repeat >= w->t[w->npts - 1] || w->npts < 2)) {
            *why = "PWL r= must be before the last time point";
            return -1;
        }
        break;
    case WF_TRNOISE:
    case WF_TRRANDOM:
        return ms_noise_finish(w, why);
    case WF_DC:
        break;
    }
    return 0;
}

static double pwl_eval(const MsWave *w, double t)
{
    t -= w->td;
    const double *T = w->t, *V = w->v;
    int n = w->npts;
    if (w->repeat >= 0 && t > T[n - 1]) {
        double period = T[n - 1] - w->repeat;
        t = w->repeat + fmod(t - w->repeat, period);
    }
    if (t <= T[0])
        return V[0];
    if (t >= T[n - 1])
        return V[n - 1];
    int lo = 0, hi = n - 1;   /* binary search: T[lo] <= t < T[hi] */
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (T[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    double dt = T[hi] - T[lo];
    return dt > 0 ? V[lo] + (V[hi] - V[lo]) * (t - T[lo]) / dt : V[hi];
}

static double pulse_eval(const double *p, double t)
{
    double v1 = p[0], v2 = p[1], td = p[2], tr = p[3], tf = p[4], pw = p[5], per = p[6];
    if (t <= td)
        return v1;
    t -= td;
    if (p[7] > 0 && t >= p[7] * per)
        return v1;
    t = fmod(t, per);
    if (t < tr)
        return v1 + (v2 - v1) * t / tr;
    if (t <= tr + pw)
        return v2;
    if (t < tr + pw + tf)
        return v2 + (v1 - v2) * (t - tr - pw) / tf;
    return v1;
}

double ms_wave_eval(const MsWave *w, double t)
{
    const double *p = w->p;
    switch (w->kind) {
    case WF_DC:
        return w->dc;
    case WF_PULSE:
        return pulse_eval(p, t);
    case WF_SIN: {
        double vo = p[0], va = p[1], f = p[2], td = p[3], theta = p[4];
        double ph = p[5] * 3.14159265358979323846 / 180;
        if (t <= td)
            return vo + va * sin(ph);
        return vo + va * exp(-(t - td) * theta) * sin(2 * 3.14159265358979323846 * f * (t - td) + ph);
    }
    case WF_EXP: {
        double v1 = p[0], v2 = p[1], td1 = p[2], tau1 = p[3], td2 = p[4], tau2 = p[5];
        double v = v1;
        if (t > td1)
            v += (v2 - v1) * (1 - exp(-(t - td1) / tau1));
        if (t > td2)
            v += (v1 - v2) * (1 - exp(-(t - td2) / tau2));
        return v;
    }
    case WF_PWL:
        return pwl_eval(w, t);
    case WF_TRNOISE:
    case WF_TRRANDOM:   /* ngspice adds a DC value given with them */
        return (w->has_dc ? w->dc : 0) + ms_noise_eval(w, t);
    }
    return 0;
}

double ms_wave_dc(const MsWave *w) { return w->has_dc || w->kind == WF_DC ? w->dc : ms_wave_eval(w, 0); }

/* The corners of w up to tstop; a waveform with more than MS_MAX_BREAKS
 * sets bp->full (the transient refuses it) rather than looping on. */
void ms_wave_breaks(const MsWave *w, double tstop, MsBreaks *bp)
{
    const double *p = w->p;
    if (w->kind == WF_PULSE) {
        double td = p[2], tr = p[3], tf = p[4], pw = p[5], per = p[6];
        for (long k = 0;; k++) {
            double t0 = td + (double)k * per;
            if (t0 > tstop || (p[7] > 0 && (double)k >= p[7]) || bp->full)
                break;
            double c[4] = {t0, t0 + tr, t0 + tr + pw, t0 + tr + pw + tf};
            for (int i = 0; i < 4; i++)
                if (c[i] <= tstop)
                    ms_breaks_add(bp, c[i]);
        }
    } else if (w->kind == WF_PWL) {
        double base = w->td;
        for (int i = 0; i < w->npts && base + w->t[i] <= tstop; i++)
            ms_breaks_add(bp, base + w->t[i]);
        if (w->repeat >= 0) {
            double period = w->t[w->npts - 1] - w->repeat;
            for (double off = period; base + w->repeat + off <= tstop && !bp->full; off += period)
                for (int i = 0; i < w->npts; i++)
                    if (w->t[i] >= w->repeat && base + w->t[i] + off <= tstop)
                        ms_breaks_add(bp, base + w->t[i] + off);
        }
    } else if (w->kind == WF_EXP) {
        ms_breaks_add(bp, p[2]);
        ms_breaks_add(bp, p[4]);
    } else if (w->kind == WF_SIN && p[3] > 0) {
        ms_breaks_add(bp, p[3]);
    } else if (w->kind == WF_TRNOISE || w->kind == WF_TRRANDOM) {
        ms_noise_breaks(w, tstop, bp);
    }
}

double *ms_wave_level(MsWave *w)
{
    switch (w->kind) {
    case WF_DC: return &w->dc;
    case WF_PULSE:
    case WF_SIN:
    case WF_EXP: return &w->p[1];
    default: return NULL;
    }
}

double ms_wave_dlevel(const MsWave *w, double t, int dc_op)
{
    MsWave up = *w;   /* shallow copy: only the level changes */
    double *lv = ms_wave_level(&up);
    if (!lv)
        return 0;
    *lv += 1;
    return dc_op ? ms_wave_dc(&up) - ms_wave_dc(w) : ms_wave_eval(&up, t) - ms_wave_eval(w, t);
}

void ms_wave_free(MsWave *w)
{
    free(w->t);
    free(w->v);
    w->t = w->v = NULL;
    w->npts = 0;
    free(w->onef);
    free(w->rts);
    w->onef = w->rts = NULL;
    w->nonef = w->nrts = 0;
}

double ms_wave_ac(const MsWave *w, int imag)
{
    double ph = w->ac_phase * (3.14159265358979323846 / 180);
    return w->ac_mag * (imag ? sin(ph) : cos(ph));
}

void ms_wave_copy(MsWave *dst, const MsWave *src)
{
    *dst = *src;
    if (src->npts) {
        dst->t = ms_malloc((size_t)src->npts * sizeof *dst->t);
        dst->v = ms_malloc((size_t)src->npts * sizeof *dst->v);
        memcpy(dst->t, src->t, (size_t)src->npts * sizeof *dst->t);
        memcpy(dst->v, src->v, (size_t)src->npts * sizeof *dst->v);
    }
    dst->onef = dst->rts = NULL;
    if (src->nonef) {
        dst->onef = ms_malloc((size_t)src->nonef * sizeof *dst->onef);
        memcpy(dst->onef, src->onef, (size_t)src->nonef * sizeof *dst->onef);
    }
    if (src->nrts) {
        dst->rts = ms_malloc((size_t)src->nrts * sizeof *dst->rts);
        memcpy(dst->rts, src->rts, (size_t)src->nrts * sizeof *dst->rts);
    }
}
