/* meas_cross.c — crossings (TRIG/TARG, WHEN, FIND ... WHEN) and FIND ... AT: see
 * measure.c for the semantics, measure_internal.h for what is shared. */
#include "measure_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The time (scale value) of the crossing m asks for: 1 found, 0 not. */
static int find_crossing(const double *t, const double *s, size_t n, double val, const MsMeasCond *m, int use_td,
                         double *out, size_t *at_k)
{
    size_t k0 = 0;
    while (use_td && k0 < n && t[k0] < m->td)
        k0++;
    if (k0 + 2 > n)
        return 0;
    int rise = 0, fall = 0, cross = 0, found = 0;
    size_t k = k0 + 1;
    int above = !(s[k] < val);
    if (above && s[k0] <= val) {   /* the first interval: an upward crossing only, as ngspice */
        rise = cross = 1;
        if ((m->edge == MS_EDGE_RISE || m->edge == MS_EDGE_CROSS) && m->n == 1) {
            *out = ms_meas_lerp_x(t, s, k, val);
            *at_k = k;
            return 1;
        }
    }
    for (k = k0 + 2; k < n; k++) {
        int ev = 0;
        if (!above && s[k] >= val) {
            above = 1;
            ev = 1;
            rise++;
            cross++;
        } else if (above && s[k] <= val) {
            above = 0;
            ev = -1;
            fall++;
            cross++;
        }
        if (!ev)
            continue;
        int count = m->edge == MS_EDGE_RISE ? (ev > 0 ? rise : 0) : m->edge == MS_EDGE_FALL ? (ev < 0 ? fall : 0) : cross;
        if (m->edge == MS_EDGE_ANY || (count && count == m->n)) {
            *out = ms_meas_lerp_x(t, s, k, val);
            *at_k = k;
            return 1;
        }
        if (count && m->n < 0) {   /* LAST: keep the latest */
            *out = ms_meas_lerp_x(t, s, k, val);
            *at_k = k;
            found = 1;
        }
    }
    return found;
}

static void describe_cond(const MsMeasCond *m, char *buf, size_t cap)
{
    static const char *edge[] = {"", " RISE=", " FALL=", " CROSS="};
    char n[32] = "";
    if (m->edge != MS_EDGE_ANY) {
        if (m->n < 0)
            snprintf(n, sizeof n, "%slast", edge[m->edge]);
        else
            snprintf(n, sizeof n, "%s%d", edge[m->edge], m->n);
    }
    char td[40] = "";
    if (m->td > 0)
        snprintf(td, sizeof td, " TD=%g", m->td);
    if (m->sig2.name)
        snprintf(buf, cap, "%s=%s%s%s", m->sig.name, m->sig2.name, n, td);
    else
        snprintf(buf, cap, "%s=%g%s%s", m->sig.name, m->val, n, td);
}

/* The derivative of a crossing time t = t[k-1] + (val - s[k-1]) dt / ds
 * (s = sig - sig2) with respect to the signals at k-1 and k, times mul. */
void ms_meas_crossing_sens(Ctx *x, const MsMeasCond *m, const double *s, size_t k, double val, double mul)
{
    const double *t = x->r->time;
    double ds = s[k] - s[k - 1];
    if (!x->g || ds == 0)
        return;
    double dt = t[k] - t[k - 1];
    double d0 = dt * (val - s[k]) / (ds * ds), d1 = -dt * (val - s[k - 1]) / (ds * ds);
    double saved = x->gmul;
    x->gmul *= mul;
    ms_meas_sens(x, &m->sig, k - 1, d0);
    ms_meas_sens(x, &m->sig, k, d1);
    if (m->sig2.name) {
        ms_meas_sens(x, &m->sig2, k - 1, -d0);
        ms_meas_sens(x, &m->sig2, k, -d1);
    }
    x->gmul = saved;
}

/* A crossing's time into *t, or 0 with the reason in out; with x->g, its
 * derivative times `mul` (TRIG: -1, TARG: +1; FIND ... WHEN: the found
 * signal's slope, known only once the time is: mul 0 then, and the
 * interval in *at_k for a crossing_sens of the caller's). */
int ms_meas_cond_time(Ctx *x, const MsMeasCond *m, const char *what, MsMeasure *out, double *t, double mul,
                     size_t *at_k)
{
    size_t k = 0;
    if (at_k)
        *at_k = 0;
    if (m->has_at) {
        *t = m->at;
        return 1;
    }
    const MsResult *r = x->r;
    double *s = ms_meas_signal_values(r, &m->sig, out);
    if (!s)
        return 0;
    double val = m->val;
    if (m->sig2.name) {   /* sig = sig2: sig - sig2 crosses 0 */
        double *s2 = ms_meas_signal_values(r, &m->sig2, out);
        if (!s2) {
            free(s);
            return 0;
        }
        for (size_t q = 0; q < r->npts; q++)
            s[q] -= s2[q];
        free(s2);
        val = 0;
    }
    int found = find_crossing(r->time, s, r->npts, val, m, x->an == MS_MEAS_TRAN, t, &k);
    if (found && mul != 0)
        ms_meas_crossing_sens(x, m, s, k, val, mul);
    if (at_k)
        *at_k = k;
    free(s);
    if (!found) {
        char d[300];
        describe_cond(m, d, sizeof d);
        return ms_meas_fail(out, "%s %s: no such crossing in the result (out of interval)", what, d);
    }
    return 1;
}

/* s at scale value `at` (interpolated): 1, or 0 outside the result. */
int ms_meas_value_at(const double *t, const double *s, size_t n, double at, int descending_too, double *v,
                    size_t *at_k)
{
    for (size_t k = 1; k < n; k++)
        if ((t[k - 1] <= at && t[k] >= at) || (descending_too && t[k - 1] >= at && t[k] <= at)) {
            *v = ms_meas_lerp_y(t, s, k, at);
            *at_k = k;
            return 1;
        }
    return 0;
}
