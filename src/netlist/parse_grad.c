/* parse_grad.c — the memspice-only cards of `memspice grad`:
 *
 *   .trainable r1 c1 x1.r2 v1 m1_*:x0 [min=0 max=1] [scale=1]
 *                                    values to differentiate with respect to (globs; bounds and the
 *                                    optimiser's unit for training)
 *   .loss value    v(out) at=1m [weight=w]
 *   .loss integral v(out) [from=t1] [to=t2] [weight=w]
 *   .loss sqerr    v(out) target=pwl(t1 v1 t2 v2 ...) [from=] [to=] [weight=]
 *   .loss sqerr    v(out) target=v(ref) [from=] [to=] [weight=]
 *   .loss meas     NAME [target=value] [weight=w]    a .meas tran result (meas_loss.c)
 * Several .loss cards add up. */
#include "number.h"
#include "parser.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int number_at(const MsCard *c, int i, double *v, MsError *err)
{
    if (i >= c->ntok)
        return ms_err_at(err, MS_ERR_SYNTAX, c->tok[c->ntok - 1].loc, "number expected, found end of line");
    int r = c->tok[i].kind == TK_WORD ? ms_is_number(c->tok[i].s, v) : 0;
    return r == 1 ? MS_OK : ms_number_error(err, c->tok[i].loc, c->tok[i].s, r);
}

/* .trainable NAME... [min=LO] [max=HI] [scale=S]: names may be glob
 * patterns (m1_*:x0); the bounds and the scale hold for every name of the
 * card.  The optimiser trains value/S, so that a value in farads moves as
 * one in [0, 1] does (README "Training"). */
int ms_parse_trainable(MsDeck *d, const MsCard *c, MsError *err)
{
    double lo = -INFINITY, hi = INFINITY, scale = 1;
    int first = d->ntrainables;
    for (int i = 1; i < c->ntok; i++) {
        const MsToken *t = &c->tok[i];
        if (t->kind == TK_COMMA)
            continue;
        if (t->kind != TK_WORD)
            return ms_err_at(err, MS_ERR_SYNTAX, t->loc, "element name expected, found '%s'", t->s);
        if ((ms_tok_is(t, "min") || ms_tok_is(t, "max") || ms_tok_is(t, "scale")) && i + 1 < c->ntok &&
            c->tok[i + 1].kind == TK_EQ) {
            double v;
            int rc = number_at(c, i + 2, &v, err);
            if (rc)
                return rc;
            if (!isfinite(v))
                return ms_err_at(err, MS_ERR_SYNTAX, c->tok[i + 2].loc, "%s= must be finite", t->s);
            if (ms_tok_is(t, "scale") && !(v > 0))
                return ms_err_at(err, MS_ERR_SYNTAX, c->tok[i + 2].loc, "scale= must be positive, not %g", v);
            *(ms_tok_is(t, "min") ? &lo : ms_tok_is(t, "max") ? &hi : &scale) = v;
            i += 2;
            continue;
        }
        MS_RESERVE_NEXT(d->trainables, d->ntrainables);
        MS_RESERVE_NEXT(d->train_lo, d->ntrainables);
        MS_RESERVE_NEXT(d->train_hi, d->ntrainables);
        MS_RESERVE_NEXT(d->train_scale, d->ntrainables);
        d->trainables[d->ntrainables++] = (MsVecRef){ms_strdup(t->s), t->loc, NULL, NULL, 0};
    }
    if (d->ntrainables == first)
        return ms_err_at(err, MS_ERR_SYNTAX, c->tok[0].loc, "%s", ".trainable needs element names");
    if (lo > hi)
        return ms_err_at(err, MS_ERR_SYNTAX, c->tok[0].loc, ".trainable: min=%g is above max=%g", lo, hi);
    for (int i = first; i < d->ntrainables; i++) {
        d->train_lo[i] = lo;
        d->train_hi[i] = hi;
        d->train_scale[i] = scale;
    }
    return MS_OK;
}

/* target=pwl(t v t v ...) */
static int parse_pwl_target(const MsCard *c, int *i, MsLossDef *l, MsError *err)
{
    const MsToken *tk = c->tok;
    int j = *i + 1;
    if (j >= c->ntok || tk[j].kind != TK_LP)
        return ms_err_at(err, MS_ERR_SYNTAX, tk[*i].loc, "%s", "'(' expected after pwl");
    size_t cap = 0;
    double *vals = NULL, v;
    int n = 0;
    for (j++; j < c->ntok && tk[j].kind != TK_RP; j++) {
        if (tk[j].kind == TK_COMMA)
            continue;
        int rc = number_at(c, j, &v, err);
        if (rc) {
            free(vals);
            return rc;
        }
        ms_grow((void **)&vals, &cap, (size_t)n + 1, sizeof *vals);
        vals[n++] = v;
    }
    if (j >= c->ntok || n < 2 || n % 2) {
        free(vals);
        return ms_err_at(err, MS_ERR_SYNTAX, tk[*i].loc, "%s", "target=pwl(...) needs (time, value) pairs and ')'");
    }
    l->npwl = n / 2;
    l->pwl_t = ms_malloc((size_t)l->npwl * sizeof *l->pwl_t);
    l->pwl_v = ms_malloc((size_t)l->npwl * sizeof *l->pwl_v);
    for (int k = 0; k < l->npwl; k++) {
        l->pwl_t[k] = vals[2 * k];
        l->pwl_v[k] = vals[2 * k + 1];
        if (k && l->pwl_t[k] < l->pwl_t[k - 1]) {
            free(vals);
            return ms_err_at(err, MS_ERR_SYNTAX, tk[*i].loc, "%s", "target=pwl(...) times must not decrease");
        }
    }
    free(vals);
    *i = j;
    return MS_OK;
}

static int parse_option(const MsCard *c, int *i, MsLossDef *l, MsError *err)
{
    const MsToken *tk = c->tok;
    const char *key = tk[*i].s;
    if (tk[*i].kind != TK_WORD || *i + 2 >= c->ntok || tk[*i + 1].kind != TK_EQ)
        return ms_err_at(err, MS_ERR_SYNTAX, tk[*i].loc, "name=value expected, found '%s'", key);
    int at = *i + 2;
    if (l->kind == MS_LOSS_MEAS && strcmp(key, "target") && strcmp(key, "weight"))
        return ms_err_at(err, MS_ERR_SYNTAX, tk[*i].loc, "'.loss meas' takes target= and weight= only, not '%s='"
                         " (the measure's own card sets its window or time)", key);
    if (l->kind == MS_LOSS_MEAS && !strcmp(key, "target")) {
        if (l->has_meas_target)
            return ms_err_at(err, MS_ERR_SYNTAX, tk[*i].loc, "%s", "target= given twice");
        int rc = number_at(c, at, &l->meas_target, err);
        if (rc == MS_OK && !isfinite(l->meas_target))
            rc = ms_err_at(err, MS_ERR_SYNTAX, tk[at].loc, "%s", "target= must be finite");
        l->has_meas_target = 1;
        *i = at;
        return rc;
    }
    if (!strcmp(key, "target")) {
        if (l->kind != MS_LOSS_SQERR)
            return ms_err_at(err, MS_ERR_SYNTAX, tk[*i].loc, "%s", "target= belongs to '.loss sqerr'");
        if (l->npwl || l->target.name)
            return ms_err_at(err, MS_ERR_SYNTAX, tk[*i].loc, "%s", "target= given twice");
        *i = at;
        if (ms_tok_is(&tk[at], "pwl"))
            return parse_pwl_target(c, i, l, err);
        return ms_parse_vecref(c, i, &l->target, err);
    }
    double v;
    int rc = number_at(c, at, &v, err);
    if (rc)
        return rc;
    if ((!strcmp(key, "at") || !strcmp(key, "from") || !strcmp(key, "to")) && v < 0)
        return ms_err_at(err, MS_ERR_SYNTAX, tk[at].loc, "%s= must not be negative", key);
    if (!strcmp(key, "at") && l->kind == MS_LOSS_VALUE)
        l->at = v;
    else if (!strcmp(key, "from") && l->kind != MS_LOSS_VALUE)
        l->from = v;
    else if (!strcmp(key, "to") && l->kind != MS_LOSS_VALUE)
        l->to = v;
    else if (!strcmp(key, "weight"))
        l->weight = v;
    else
        return ms_err_at(err, MS_ERR_SYNTAX, tk[*i].loc, "unknown .loss option '%s'", key);
    *i = at;
    return MS_OK;
}

int ms_parse_loss(MsDeck *d, const MsCard *c, MsError *err)
{
    const MsToken *tk = c->tok;
    if (c->ntok < 3)
        return ms_err_at(err, MS_ERR_SYNTAX, tk[0].loc, "%s", ".loss expects: .loss value|integral|sqerr SIGNAL [options]");
    MsLossDef l = {0};
    l.weight = 1;
    l.to = -1;
    l.at = -1;
    l.loc = tk[0].loc;
    if (ms_tok_is(&tk[1], "value"))
        l.kind = MS_LOSS_VALUE;
    else if (ms_tok_is(&tk[1], "integral"))
        l.kind = MS_LOSS_INTEGRAL;
    else if (ms_tok_is(&tk[1], "sqerr"))
        l.kind = MS_LOSS_SQERR;
    else if (ms_tok_is(&tk[1], "meas") || ms_tok_is(&tk[1], "measure"))
        l.kind = MS_LOSS_MEAS;
    else
        return ms_err_at(err, MS_ERR_SYNTAX, tk[1].loc, "unknown loss '%s' (value, integral, sqerr or meas)", tk[1].s);
    int i = 2, rc;
    if (l.kind == MS_LOSS_MEAS) {   /* the measure's name; resolved at load (meas_loss.c) */
        if (tk[2].kind != TK_WORD || (i + 1 < c->ntok && tk[3].kind != TK_WORD))
            return ms_err_at(err, MS_ERR_SYNTAX, tk[2].loc, "'.loss meas' expects a .meas name, found '%s'", tk[2].s);
        l.meas = (MsVecRef){ms_strdup(tk[2].s), tk[2].loc, NULL, NULL, 0};
        rc = MS_OK;
    } else {
        rc = ms_parse_vecref(c, &i, &l.signal, err);
    }
    for (i++; rc == MS_OK && i < c->ntok; i++)
        rc = parse_option(c, &i, &l, err);
    if (rc == MS_OK && l.kind == MS_LOSS_VALUE && l.at < 0)
        rc = ms_err_at(err, MS_ERR_SYNTAX, l.loc, "%s", ".loss value needs at=TIME");
    if (rc == MS_OK && l.kind == MS_LOSS_SQERR && !l.target.name && !l.npwl)
        rc = ms_err_at(err, MS_ERR_SYNTAX, l.loc, "%s", ".loss sqerr needs target=pwl(...) or target=v(node)");
    if (rc == MS_OK && l.to >= 0 && l.to <= l.from)
        rc = ms_err_at(err, MS_ERR_SYNTAX, l.loc, "%s", ".loss: to= must be greater than from=");
    if (rc) {
        free(l.meas.name);
        free(l.signal.name);
        free(l.target.name);
        free(l.pwl_t);
        free(l.pwl_v);
        return rc;
    }
    MS_RESERVE_NEXT(d->losses, d->nlosses);
    d->losses[d->nlosses++] = l;
    return MS_OK;
}
