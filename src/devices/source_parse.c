/* source_parse.c — see source_parse.h. */
#include "source_parse.h"
#include "noise_wave.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int is_keyword(const MsToken *t)
{
    static const char *kw[] = {"dc", "ac", "distof1", "distof2", "pulse", "pwl", "sin", "exp", "r", "td", "trnoise",
                               "trrandom", 0};
    for (int i = 0; kw[i]; i++)
        if (ms_tok_is(t, kw[i]))
            return 1;
    return 0;
}

/* Read the numbers of a waveform function: "(a b c)" or "a b c" up to a
 * keyword, into fixed[0..max) if fixed is not NULL (the values land where
 * the waveform keeps them, as elaboration's tracking of values computed
 * from trainable .params needs; *n counts any beyond max too), else into
 * the growing *vals. */
static int read_args(MsElab *el, const MsCard *c, int *at, double *fixed, int max, double **vals, int *n,
                     int stop_at_eq)
{
    const MsToken *tk = c->tok;
    int i = *at, paren = i < c->ntok && tk[i].kind == TK_LP;
    if (paren)
        i++;
    *n = 0;
    int cap = 0;
    for (; i < c->ntok; i++) {
        if (tk[i].kind == TK_COMMA)
            continue;
        if (paren && tk[i].kind == TK_RP)
            break;
        if (!paren && (is_keyword(&tk[i]) || tk[i].kind == TK_RP))   /* ')': the end of a (PWL ...) group */
            break;
        if (stop_at_eq && i + 1 < c->ntok && tk[i + 1].kind == TK_EQ)
            break;
        double extra;
        if (!fixed && *n == cap) {
            cap = cap ? 2 * cap : 16;
            *vals = ms_realloc(*vals, (size_t)cap * sizeof **vals);
        }
        int rc = ms_elab_value(el, &tk[i], fixed ? (*n < max ? &fixed[*n] : &extra) : &(*vals)[*n]);
        if (rc)
            return rc;
        (*n)++;
    }
    if (paren) {
        if (i < c->ntok && tk[i].kind != TK_RP) {
            /* r=/td= inside the parentheses: read them, then expect ')' */
            *at = i;
            return MS_OK;
        }
        if (i >= c->ntok)
            return ms_elab_error(el, MS_ERR_SYNTAX, &tk[c->ntok - 1], "%s", "')' expected");
        i++;
    }
    *at = i;
    return MS_OK;
}

static int fixed_args(MsElab *el, const MsCard *c, int *at, MsWave *w, MsWaveKind kind, int max)
{
    int n, rc = read_args(el, c, at, w->p, max, NULL, &n, 0);
    if (rc == MS_OK && n > max)
        rc = ms_elab_error(el, MS_ERR_SYNTAX, &c->tok[*at - 1], "too many values (%d, at most %d)", n, max);
    if (rc == MS_OK) {
        w->kind = kind;
        w->np = n;
    }
    return rc;
}

static int pwl_args(MsElab *el, const MsCard *c, int *at, MsWave *w)
{
    const MsToken *tk = c->tok;
    double *vals = NULL;
    int n, start = *at, rc = read_args(el, c, at, NULL, 0, &vals, &n, 1);
    if (rc) {
        free(vals);
        return rc;
    }
    if (n % 2) {
        free(vals);
        return ms_elab_error(el, MS_ERR_SYNTAX, &tk[start], "%s", "PWL needs (time, value) pairs: odd number of values");
    }
    w->kind = WF_PWL;
    w->npts = n / 2;
    w->t = ms_malloc((size_t)(n / 2 + 1) * sizeof *w->t);
    w->v = ms_malloc((size_t)(n / 2 + 1) * sizeof *w->v);
    for (int k = 0; k < n / 2; k++) {
        w->t[k] = vals[2 * k];
        w->v[k] = vals[2 * k + 1];
    }
    free(vals);
    /* r=, td= (inside or after the parentheses) */
    int inside = *at < c->ntok && tk[*at].kind != TK_RP && tk[start].kind == TK_LP;
    while (*at + 2 < c->ntok && (ms_tok_is(&tk[*at], "r") || ms_tok_is(&tk[*at], "td")) &&
           tk[*at + 1].kind == TK_EQ) {
        double v;
        if ((rc = ms_elab_value(el, &tk[*at + 2], &v)))
            return rc;
        if (tk[*at].s[0] == 'r')
            w->repeat = v;
        else
            w->td = v;
        *at += 3;
    }
    if (inside) {
        if (*at >= c->ntok || tk[*at].kind != TK_RP)
            return ms_elab_error(el, MS_ERR_SYNTAX, &tk[*at < c->ntok ? *at : c->ntok - 1], "%s", "')' expected");
        (*at)++;
    }
    return MS_OK;
}

/* "AC [mag [phase]]" at *at (the AC word): ngspice takes a missing
 * magnitude as 1 and a missing phase as 0; AC=mag as well. */
static int ac_args(MsElab *el, const MsCard *c, int *at, MsWave *w)
{
    const MsToken *tk = c->tok;
    int i = *at + 1, rc;
    if (i < c->ntok && tk[i].kind == TK_EQ)
        i++;
    double v[2] = {1, 0};
    for (int k = 0; k < 2 && i < c->ntok && !is_keyword(&tk[i]) && (tk[i].kind == TK_WORD || tk[i].kind == TK_EXPR);
         k++, i++)
        if ((rc = ms_elab_value(el, &tk[i], &v[k])))
            return rc;
    if (!isfinite(v[0]) || !isfinite(v[1]))
        return ms_elab_error(el, MS_ERR_SYNTAX, &tk[*at], "%s", "AC magnitude and phase must be finite");
    w->ac_mag = v[0];
    w->ac_phase = v[1];
    w->has_ac = 1;
    *at = i;
    return MS_OK;
}

int ms_parse_source(MsElab *el, const MsCard *c, int at, MsWave *w)
{
    const MsToken *tk = c->tok;
    memset(w, 0, sizeof *w);
    w->kind = WF_DC;
    w->repeat = -1;
    int have_wave = 0, rc;
    while (at < c->ntok) {
        const MsToken *t = &tk[at];
        /* a parenthesised group, "(PWL 0 0 1m 1) (AC 1)", is the same as its contents */
        int group = t->kind == TK_LP && at + 1 < c->ntok && is_keyword(&tk[at + 1]);
        if (group)
            t = &tk[++at];
        if (ms_tok_is(t, "dc")) {
            int eq = at + 1 < c->ntok && tk[at + 1].kind == TK_EQ;   /* DC=1 as well as DC 1 */
            if (at + 1 + eq >= c->ntok)
                return ms_elab_error(el, MS_ERR_SYNTAX, t, "%s", "value expected after DC");
            if ((rc = ms_elab_value(el, &tk[at + 1 + eq], &w->dc)))
                return rc;
            w->has_dc = 1;
            at += 2 + eq;
        } else if (ms_tok_is(t, "ac")) {
            /* small-signal magnitude and phase (degrees), for .ac only; `AC` alone is magnitude 1 */
            if ((rc = ac_args(el, c, &at, w)))
                return rc;
        } else if (ms_tok_is(t, "distof1") || ms_tok_is(t, "distof2")) {
            /* distortion (.disto's distof1/2) magnitude and phase: no effect on .op/.ac/.tran */
            at++;
            for (int k = 0; k < 2 && at < c->ntok && !is_keyword(&tk[at]) && tk[at].kind != TK_LP &&
                            tk[at].kind != TK_RP;
                 k++)
                at++;
        } else if (ms_tok_is(t, "pulse") || ms_tok_is(t, "sin") || ms_tok_is(t, "exp") || ms_tok_is(t, "pwl") ||
                   ms_tok_is(t, "trnoise") || ms_tok_is(t, "trrandom")) {
            if (have_wave)
                return ms_elab_error(el, MS_ERR_SYNTAX, t, "%s", "only one waveform per source");
            have_wave = 1;
            at++;
            if (t->s[0] == 'p' && t->s[1] == 'w')
                rc = pwl_args(el, c, &at, w);
            else if (ms_tok_is(t, "trnoise"))
                rc = fixed_args(el, c, &at, w, WF_TRNOISE, 7);
            else if (ms_tok_is(t, "trrandom"))
                rc = fixed_args(el, c, &at, w, WF_TRRANDOM, 5);
            else if (t->s[0] == 'p')
                rc = fixed_args(el, c, &at, w, WF_PULSE, 8);
            else if (t->s[0] == 's')
                rc = fixed_args(el, c, &at, w, WF_SIN, 6);
            else
                rc = fixed_args(el, c, &at, w, WF_EXP, 6);
            if (rc)
                return rc;
        } else if (t->kind == TK_WORD && (ms_tok_is(t, "sffm") || ms_tok_is(t, "am") ||
                                          !strncmp(t->s, "distof", 6))) {
            return ms_elab_error(el, MS_ERR_UNSUPPORTED, t, "source function '%s' is not supported", t->s);
        } else if (!w->has_dc && !have_wave && (t->kind == TK_WORD || t->kind == TK_EXPR)) {
            if ((rc = ms_elab_value(el, t, &w->dc)))
                return rc;
            w->has_dc = 1;
            at++;
        } else {
            return ms_elab_error(el, MS_ERR_SYNTAX, t, "unexpected '%s' in source", t->s);
        }
        if (group) {
            if (at >= c->ntok || tk[at].kind != TK_RP)
                return ms_elab_error(el, MS_ERR_SYNTAX, &tk[at < c->ntok ? at : c->ntok - 1],
                                     "')' expected to close the (%s ...) group", t->s);
            at++;
        }
    }
    double tstep, tstop;
    const char *why = NULL;
    ms_elab_tran(el, &tstep, &tstop);
    if (ms_wave_finish(w, tstep, tstop, &why))
        return ms_elab_error(el, MS_ERR_SEMANTIC, &tk[0], "%s: %s", tk[0].s, why);
    return MS_OK;
}

int ms_source_prepare(MsElab *el, const MsCard *c, MsWave *w, const char *name)
{
    double tstep, tstop;
    const char *why = NULL;
    ms_elab_tran(el, &tstep, &tstop);
    if (ms_noise_prepare(w, ms_elab_seed(el), name, tstop, ms_elab_noise_values(el), &why))
        return ms_elab_error(el, MS_ERR_SEMANTIC, &c->tok[0], "%s: %s", c->tok[0].s, why);
    return MS_OK;
}

double ms_source_value(const MsWave *own, int id, const MsSourceEval *se)
{
    const MsWave *w = se->override && se->override[id] ? se->override[id] : own;
    if (se->ac) {   /* the work's phasor, else an override's that gives AC, else the netlist's */
        const MsWave *p = se->ac_over && se->ac_over[id].has_ac ? &se->ac_over[id] : w->has_ac ? w : own;
        return se->scale * ms_wave_ac(p, se->ac == 2);
    }
    return se->scale * (se->dc_op ? ms_wave_dc(w) : ms_wave_eval(w, se->t));
}

/* The trainable level is the netlist's (ms_circuit_set_param changes `own`):
 * while a work overrides the source, that level has no effect. */
double ms_source_dlevel(const MsWave *own, int id, const MsSourceEval *se)
{
    if (se->override && se->override[id])
        return 0;
    return se->scale * ms_wave_dlevel(own, se->t, se->dc_op);
}
