/* measure_internal.h — what the .meas files share: the context of one evaluation and
 * signal access (measure.c), crossings and FIND ... AT (meas_cross.c), the FROM/TO
 * windows of AVG, MIN, MAX, PP, INTEG and RMS (meas_window.c), PARAM (meas_param.c).
 * Each measure function takes the value of the measure x->out[x->nout] and, with x->g,
 * its derivative (ms_meas_sens); a measure that cannot be taken is failed with the
 * reason (ms_meas_fail, which returns 0). */
#ifndef MS_MEASURE_INTERNAL_H
#define MS_MEASURE_INTERNAL_H

#include "measure.h"

#include <stddef.h>

typedef struct Ctx {
    const MsCircuit *c;
    const MsResult *r;
    MsMeasAnalysis an;
    MsMeasure *out;        /* measures so far (PARAM reads them) */
    int nout;
    MsMeasGrad *g;         /* per measure (out's order): its derivative, or NULL (values only) */
    double gmul;           /* what ms_meas_sens() multiplies by (the chain rule of the caller) */
} Ctx;

void ms_meas_sens(const Ctx *x, const MsVecRef *sig, size_t k, double d);
int ms_meas_fail(MsMeasure *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
double *ms_meas_signal_values(const MsResult *r, const MsVecRef *sig, MsMeasure *m);

/* meas_cross.c */
void ms_meas_crossing_sens(Ctx *x, const MsMeasCond *m, const double *s, size_t k, double val, double mul);
int ms_meas_cond_time(Ctx *x, const MsMeasCond *m, const char *what, MsMeasure *out, double *t, double mul,
                      size_t *at_k);
int ms_meas_value_at(const double *t, const double *s, size_t n, double at, int descending_too, double *v,
                     size_t *at_k);

/* meas_window.c */
void ms_meas_lerp_weights(const double *t, size_t k, double x, double *c0, double *c1);
int ms_meas_integ_rms(const Ctx *x, const MsMeasDef *d, const double *s, MsMeasure *out);
int ms_meas_stats(const Ctx *x, const MsMeasDef *d, const double *s, MsMeasure *out);

/* meas_param.c */
int ms_meas_param(const Ctx *x, const MsMeasDef *d, MsMeasure *out);
int ms_meas_param_sens(Ctx *x, const MsMeasDef *d, MsMeasure *out);

/* The scale value where s crosses val between points k-1 and k, and s at scale value x. */
static inline double ms_meas_lerp_x(const double *t, const double *s, size_t k, double val)
{
    double ds = s[k] - s[k - 1];
    return ds == 0 ? t[k] : t[k - 1] + (val - s[k - 1]) * (t[k] - t[k - 1]) / ds;
}

static inline double ms_meas_lerp_y(const double *t, const double *s, size_t k, double x)
{
    double dt = t[k] - t[k - 1];
    return dt == 0 ? s[k] : s[k - 1] + (x - t[k - 1]) * (s[k] - s[k - 1]) / dt;
}

#endif
