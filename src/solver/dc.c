/* dc.c — the .dc analysis: an operating point per value of one swept
 * independent source (or two, nested).  The swept source's DC value is
 * replaced for the work (the same override mechanism as --inputs), so the
 * circuit stays read-only.  Each point's Newton starts from the previous
 * point's solution (continuation); when that fails the point is solved as a
 * fresh operating point (gmin, then source stepping).  Memristor state rows
 * are x = x0 at DC: the sweep is the quasi-static I-V at the initial state. */
#include "output_row.h"
#include "dcop.h"
#include "../devices/waveform.h"
#include "../io/result.h"
#include "../util/limits.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double ms_dc_sweep_points(const MsDcSweep *s) { return floor((s->stop - s->start) / s->incr + 1e-9) + 1; }

/* Value k of n: START + k INCR, the last one exactly STOP when it is there up to rounding. */
static double sweep_value(const MsDcSweep *s, long k, long n)
{
    double v = s->start + (double)k * s->incr;
    if (k == n - 1 && fabs(v - s->stop) <= 1e-9 * fabs(s->incr))
        v = s->stop;
    return v;
}

void ms_dc_sweep_values(const MsDcSweep *s, long n, double *v)
{
    for (long k = 0; k < n; k++)
        v[k] = sweep_value(s, k, n);
}

static int source_id(const MsCircuit *c, const char *name)
{
    for (int i = 0; i < c->nsources; i++)
        if (!strcmp(c->source_name[i], name))
            return i;
    return -1;
}

static int check_spec(const MsCircuit *c, const MsDcSpec *spec, int id[2], long n[2], MsError *err)
{
    const char *file = c->deck.src.files[0];
    if (!spec || spec->nsweeps < 1 || spec->nsweeps > 2)
        return ms_err(err, MS_ERR_ARG, "%s: a DC sweep has 1 or 2 sources", file);
    double total = 1;
    for (int i = 0; i < spec->nsweeps; i++) {
        const MsDcSweep *s = &spec->sweep[i];
        if (!s->source || (id[i] = source_id(c, s->source)) < 0)
            return ms_err(err, MS_ERR_ARG, "%s: DC sweep: no independent V or I source named '%s'", file,
                          s->source ? s->source : "(null)");
        if (!isfinite(s->start) || !isfinite(s->stop) || !isfinite(s->incr) || s->incr == 0 ||
            (s->stop - s->start) * s->incr < 0)
            return ms_err(err, MS_ERR_ARG, "%s: DC sweep of '%s' from %g to %g by %g: INCR must be non-zero, "
                          "with the sign of STOP - START", file, s->source, s->start, s->stop, s->incr);
        double pts = ms_dc_sweep_points(s);
        if (!(pts <= (double)MS_MAX_DC_POINTS))
            return ms_err(err, MS_ERR_ARG, "%s: DC sweep of '%s' has more than %ld points", file, s->source,
                          MS_MAX_DC_POINTS);
        n[i] = (long)pts;
        total *= (double)n[i];
    }
    if (spec->nsweeps == 2 && id[0] == id[1])
        return ms_err(err, MS_ERR_ARG, "%s: DC sweep: source '%s' swept twice", file, spec->sweep[0].source);
    if (!(total <= (double)MS_MAX_DC_POINTS))
        return ms_err(err, MS_ERR_ARG, "%s: DC sweep of %.3g points: more than the limit of %ld", file, total,
                      MS_MAX_DC_POINTS);
    if (!(total * (c->nsaves + 1) <= (double)MS_MAX_STORED_VALUES))
        return ms_err(err, MS_ERR_ARG, "%s: DC sweep of %.3g points x %d vectors: more than the limit of %ld stored values",
                      file, total, c->nsaves, MS_MAX_STORED_VALUES);
    return MS_OK;
}

/* ngspice's name of the scale vector in raw files: v(v-sweep), i(i-sweep). */
static char *scale_name(const char *source)
{
    const char *base = strrchr(source, '.') ? strrchr(source, '.') + 1 : source;
    return ms_strdup(base[0] == 'i' ? "i(i-sweep)" : "v(v-sweep)");
}

int ms_run_dc(MsWork *w, const MsDcSpec *spec, MsResult *res, MsError *err)
{
    const MsCircuit *c = w->c;
    memset(res, 0, sizeof *res);
    int id[2] = {-1, -1};
    long n[2] = {1, 1};
    int rc = check_spec(c, spec, id, n, err);
    if (rc)
        return rc;
    int ns = spec->nsweeps;
    /* the swept sources' values replace whatever the work had for them */
    MsWave wave[2];
    const MsWave *saved[2] = {NULL, NULL};
    for (int i = 0; i < ns; i++) {
        memset(&wave[i], 0, sizeof wave[i]);
        wave[i].kind = WF_DC;
        wave[i].has_dc = 1;
        saved[i] = w->override[id[i]];
        w->override[id[i]] = &wave[i];
    }
    size_t n1 = (size_t)c->n + 1;
    double *prev = ms_malloc(n1 * sizeof *prev), *row0 = ms_malloc(n1 * sizeof *row0);
    long fact0 = w->factorizations, done = 0, total = n[0] * n[1];
    ms_result_for_circuit(c, res, "DC transfer characteristic", 1);
    res->scale = scale_name(spec->sweep[0].source);
    for (long k1 = 0; k1 < n[1] && rc == MS_OK; k1++) {
        if (ns == 2)
            wave[1].dc = sweep_value(&spec->sweep[1], k1, n[1]);
        for (long k0 = 0; k0 < n[0] && rc == MS_OK; k0++, done++) {
            wave[0].dc = sweep_value(&spec->sweep[0], k0, n[0]);
            char where[256];
            if (ns == 2)
                snprintf(where, sizeof where, "DC sweep at %s=%g, %s=%g", spec->sweep[0].source, wave[0].dc,
                         spec->sweep[1].source, wave[1].dc);
            else
                snprintf(where, sizeof where, "DC sweep at %s=%g", spec->sweep[0].source, wave[0].dc);
            /* an inner sweep starts again from where the last one started */
            const double *guess = !done ? NULL : k0 ? prev : row0;
            rc = ms_dcop_guess(w, 0, 1, 0, guess, where, err);
            if (rc == MS_OK) {
                memcpy(prev, w->x, n1 * sizeof *prev);
                if (k0 == 0)
                    memcpy(row0, w->x, n1 * sizeof *row0);
                ms_result_record(c, res, wave[0].dc, w->x);
                if (w->progress && total > 1 && done % 64 == 0)
                    w->progress((double)done / (double)total, w->progress_user);
            }
        }
    }
    for (int i = ns - 1; i >= 0; i--)
        w->override[id[i]] = saved[i];
    free(prev);
    free(row0);
    res->factorizations = w->factorizations - fact0;
    if (rc) {
        ms_result_free(res);
        return rc;
    }
    if (w->progress)
        w->progress(1.0, w->progress_user);
    return MS_OK;
}
