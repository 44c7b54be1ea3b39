/* parse_train.c — the memspice-only cards of `memspice train`:
 *
 *   .input   vin* [scale=1] [encoding=analog|rate|latency]
 *            the independent sources matching the globs carry a sample's
 *            features, in netlist order; several cards concatenate
 *   .readout v(o0) v(o1) ... [reduce=mean|integral|final|max] [loss=ce|mse]
 *            [gain=1] [target=1]
 *            one signal per class; score_k = gain * reduce(signal_k)
 * (.trainable, with globs and bounds, is in parse_grad.c.) */
#include "number.h"
#include "parser.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ms_glob_match(const char *p, const char *s)
{
    const char *star = NULL, *retry = NULL;
    while (*s) {
        if (*p == '?' || (*p && *p == *s)) {
            p++, s++;
        } else if (*p == '*') {
            star = p++;
            retry = s;
        } else if (star) {
            p = star + 1;
            s = ++retry;
        } else {
            return 0;
        }
    }
    while (*p == '*')
        p++;
    return *p == 0;
}

/* key=value at tok[*i]; *val is the value token. */
static int key_value(const MsCard *c, int i, const MsToken **val, MsError *err)
{
    *val = &c->tok[i];
    if (i + 2 >= c->ntok || c->tok[i].kind != TK_WORD || c->tok[i + 1].kind != TK_EQ)
        return ms_err_at(err, MS_ERR_SYNTAX, c->tok[i].loc, "name=value expected, found '%s'", c->tok[i].s);
    *val = &c->tok[i + 2];
    return MS_OK;
}

static int finite_number(const MsToken *t, double *v, MsError *err)
{
    int r = t->kind == TK_WORD ? ms_is_number(t->s, v) : 0;
    return r == 1 ? MS_OK : ms_number_error(err, t->loc, t->s, r);
}

/* The word at t among names[] (index), or an error listing them. */
static int choice(const MsToken *t, const char *what, const char *const *names, int n, int *out, MsError *err)
{
    for (int k = 0; k < n; k++)
        if (ms_tok_is(t, names[k])) {
            *out = k;
            return MS_OK;
        }
    char list[256] = "";
    for (int k = 0; k < n; k++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? ", " : "", names[k]);
    return ms_err_at(err, MS_ERR_SYNTAX, t->loc, "unknown %s '%s' (%s)", what, t->s, list);
}

static void input_free(MsInputDef *in)
{
    for (int k = 0; k < in->npatterns; k++)
        free(in->patterns[k]);
    free(in->patterns);
}

int ms_parse_input(MsDeck *d, const MsCard *c, MsError *err)
{
    static const char *const enc[] = {"analog", "rate", "latency"};
    MsInputDef in = {NULL, 0, 1, MS_ENC_ANALOG, c->tok[0].loc};
    int rc = MS_OK;
    for (int i = 1; i < c->ntok && rc == MS_OK; i++) {
        const MsToken *t = &c->tok[i], *v = NULL;
        if (t->kind == TK_COMMA)
            continue;
        if (i + 1 < c->ntok && c->tok[i + 1].kind == TK_EQ) {
            rc = key_value(c, i, &v, err);
            if (rc == MS_OK && ms_tok_is(t, "scale"))
                rc = finite_number(v, &in.scale, err);
            else if (rc == MS_OK && ms_tok_is(t, "encoding")) {
                int k = 0;
                rc = choice(v, "encoding", enc, 3, &k, err);
                in.encoding = (MsEncoding)k;
            } else if (rc == MS_OK)
                rc = ms_err_at(err, MS_ERR_SYNTAX, t->loc, "unknown .input option '%s' (scale, encoding)", t->s);
            i += 2;
            continue;
        }
        if (t->kind != TK_WORD) {
            rc = ms_err_at(err, MS_ERR_SYNTAX, t->loc, "source name or pattern expected, found '%s'", t->s);
            break;
        }
        MS_RESERVE_NEXT(in.patterns, in.npatterns);
        in.patterns[in.npatterns++] = ms_strdup(t->s);
    }
    if (rc == MS_OK && in.npatterns == 0)
        rc = ms_err_at(err, MS_ERR_SYNTAX, c->tok[0].loc, "%s", ".input needs source names or patterns, e.g. .input vin*");
    if (rc) {
        input_free(&in);
        return rc;
    }
    MS_RESERVE_NEXT(d->inputs, d->ninputs);
    d->inputs[d->ninputs++] = in;
    return MS_OK;
}

static void readout_free(MsReadoutDef *r)
{
    for (int k = 0; k < r->nsignals; k++)
        free(r->signals[k].name);
    free(r->signals);
    free(r);
}

static int readout_option(const MsCard *c, int i, MsReadoutDef *r, MsError *err)
{
    static const char *const reduce[] = {"mean", "integral", "final", "max"};
    static const char *const loss[] = {"ce", "mse"};
    const MsToken *t = &c->tok[i], *v = NULL;
    int rc = key_value(c, i, &v, err), k = 0;
    if (rc)
        return rc;
    if (ms_tok_is(t, "reduce")) {
        rc = choice(v, "reduce", reduce, 4, &k, err);
        r->reduce = (MsReduce)k;
    } else if (ms_tok_is(t, "loss")) {
        rc = choice(v, "readout loss", loss, 2, &k, err);
        r->loss = (MsReadoutLoss)k;
    } else if (ms_tok_is(t, "gain")) {
        rc = finite_number(v, &r->gain, err);
        if (rc == MS_OK && r->gain == 0)
            rc = ms_err_at(err, MS_ERR_SYNTAX, v->loc, "%s", "gain= must not be 0");
    } else if (ms_tok_is(t, "target")) {
        rc = finite_number(v, &r->target, err);
    } else {
        rc = ms_err_at(err, MS_ERR_SYNTAX, t->loc, "unknown .readout option '%s' (reduce, loss, gain, target)", t->s);
    }
    return rc;
}

int ms_parse_readout(MsDeck *d, const MsCard *c, MsError *err)
{
    if (d->readout)
        return ms_err_at(err, MS_ERR_SYNTAX, c->tok[0].loc, "%s",
                         "a second .readout card (one card lists every class signal)");
    MsReadoutDef *r = ms_calloc(1, sizeof *r);
    *r = (MsReadoutDef){NULL, 0, MS_REDUCE_MEAN, MS_READOUT_CE, 1, 1, c->tok[0].loc};
    int rc = MS_OK;
    for (int i = 1; i < c->ntok && rc == MS_OK; i++) {
        if (c->tok[i].kind == TK_COMMA)
            continue;
        if (i + 1 < c->ntok && c->tok[i + 1].kind == TK_EQ) {
            rc = readout_option(c, i, r, err);
            i += 2;
            continue;
        }
        MsVecRef ref;
        rc = ms_parse_vecref(c, &i, &ref, err);
        if (rc == MS_OK) {
            MS_RESERVE_NEXT(r->signals, r->nsignals);
            r->signals[r->nsignals++] = ref;
        }
    }
    if (rc == MS_OK && r->nsignals < 2)
        rc = ms_err_at(err, MS_ERR_SYNTAX, c->tok[0].loc, "%s",
                       ".readout needs one signal per class (at least two), e.g. .readout v(o0) v(o1)");
    if (rc) {
        readout_free(r);
        return rc;
    }
    d->readout = r;
    return MS_OK;
}

void ms_train_cards_free(MsDeck *d)
{
    for (int i = 0; i < d->ninputs; i++)
        input_free(&d->inputs[i]);
    free(d->inputs);
    if (d->readout)
        readout_free(d->readout);
}
