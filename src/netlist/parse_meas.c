/* parse_meas.c — .meas / .measure cards, in ngspice's syntax:
 *
 *   .meas tran|dc NAME TRIG sig VAL=v [TD=t] RISE=n|FALL=n|CROSS=n|LAST  (or TRIG AT=t)
 *                   TARG sig VAL=v [TD=t] RISE=n|FALL=n|CROSS=n|LAST
 *   .meas tran NAME WHEN sig=v|sig2 [TD=t] [RISE=n|FALL=n|CROSS=n|LAST]
 *   .meas tran NAME FIND sig WHEN sig2=v|sig3 [TD=t] [RISE=...]
 *   .meas tran NAME FIND sig AT=t
 *   .meas tran NAME AVG|RMS|MIN|MAX|PP|INTEG sig [FROM=t1] [TO=t2]
 *   .meas tran NAME PARAM='expression of earlier measures and .params'
 *
 * n may be LAST (RISE=LAST); a bare LAST means CROSS=LAST.  The analysis
 * word is tran, dc or ac (the scale is then the frequency, and a signal may
 * be an AC form of one node: vdb(out), vm(out), vp(out), vr(out), vi(out);
 * a plain v(out) or i(v1) is its real part, as in ngspice 39, which finds
 * no node pair nor current form there: both refused).  A measure of an analysis
 * the deck does not run is refused (ms_meas_check_analyses).  Anything else is an error at its token:
 * the options ngspice accepts but ignores (TD= of AVG, FROM= of WHEN) too. */
#include "ac_forms.h"
#include "number.h"
#include "parser.h"
#include "../util/limits.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *ms_meas_analysis_name(MsMeasAnalysis a)
{
    return a == MS_MEAS_DC ? "dc" : a == MS_MEAS_AC ? "ac" : "tran";
}

static int err_tok(MsError *err, const MsToken *t, const char *fmt, const char *arg)
{
    return ms_err_at(err, MS_ERR_SYNTAX, t->loc, fmt, arg);
}

static const MsToken *last_tok(const MsCard *c) { return &c->tok[c->ntok - 1]; }

/* tok[i] is "key" and tok[i+1] is '=' */
static int is_key(const MsCard *c, int i, const char *key)
{
    return i + 1 < c->ntok && ms_tok_is(&c->tok[i], key) && c->tok[i + 1].kind == TK_EQ;
}

/* The value after "key =" at tok[i]; *i is left on it. */
static int key_number(const MsCard *c, int *i, double *v, MsError *err)
{
    int j = *i + 2;
    if (j >= c->ntok)
        return err_tok(err, &c->tok[*i], "value expected after '%s='", c->tok[*i].s);
    int r = c->tok[j].kind == TK_WORD ? ms_is_number(c->tok[j].s, v) : 0;
    if (r != 1)
        return ms_number_error(err, c->tok[j].loc, c->tok[j].s, r);
    *i = j;
    return MS_OK;
}

/* RISE=n, FALL=n, CROSS=n (n a count or LAST) or a bare LAST, at tok[*i]:
 * 1 (taken, *i on its last token), 0 (not one of them), < 0 error. */
static int edge_option(const MsCard *c, int *i, MsMeasCond *m, MsError *err)
{
    static const char *names[] = {"rise", "fall", "cross"};
    static const MsMeasEdge edges[] = {MS_EDGE_RISE, MS_EDGE_FALL, MS_EDGE_CROSS};
    if (ms_tok_is(&c->tok[*i], "last") && !(*i + 1 < c->ntok && c->tok[*i + 1].kind == TK_EQ)) {
        m->edge = MS_EDGE_CROSS;
        m->n = -1;
        return 1;
    }
    for (int k = 0; k < 3; k++) {
        if (!is_key(c, *i, names[k]))
            continue;
        const MsToken *key = &c->tok[*i];
        if (*i + 2 < c->ntok && ms_tok_is(&c->tok[*i + 2], "last")) {
            m->n = -1;
            *i += 2;
        } else {
            double v;
            int rc = key_number(c, i, &v, err);
            if (rc)
                return rc;
            if (!(v >= 1 && v <= 1e9 && v == floor(v)))
                return err_tok(err, &c->tok[*i], "%s= needs a count 1, 2, ... or LAST", key->s);
            m->n = (int)v;
        }
        m->edge = edges[k];
        return 1;
    }
    return 0;
}

/* A measured signal; a .meas ac one may be an AC form (vdb(out): name
 * "v(out)", form MS_FORM_DB), as ngspice's measures of an ac plot take. */
static int signal_ref(const MsCard *c, int *i, MsVecRef *out, int ac, MsError *err)
{
    if (!ac)
        return ms_parse_vecref(c, i, out, err);
    int rc = ms_parse_print_ref(c, i, out, err);
    if (rc)
        return rc;
    /* ngspice 39's ac measures find neither (no such vector): refused, so
     * that `memspice check` compares every .meas ac both simulators take */
    if (strchr(out->name, ','))
        return ms_err_at(err, MS_ERR_UNSUPPORTED, out->loc, "%s", ".meas ac of a node pair (v(a,b), vdb(a,b), ...) is "
                         "not supported (ngspice 39 has no such vector): measure one node, e.g. vdb(out) with an AC 1 input");
    if (out->form != MS_FORM_NONE && out->name[0] == 'i')
        return ms_err_at(err, MS_ERR_UNSUPPORTED, out->loc, "%s", ".meas ac of a current form (im, idb, ip, ir, ii) is "
                         "not supported (ngspice 39 has no such vector): i(name) measures the current's real part");
    return MS_OK;
}

/* "sig = value" or "sig = sig2" of WHEN, from tok[*i]; *i on its last token. */
static int when_condition(const MsCard *c, int *i, MsMeasCond *m, int ac, MsError *err)
{
    int rc = signal_ref(c, i, &m->sig, ac, err);
    if (rc)
        return rc;
    int j = *i + 1;
    if (j >= c->ntok || c->tok[j].kind != TK_EQ)
        return err_tok(err, j < c->ntok ? &c->tok[j] : last_tok(c), "%s", "WHEN expects signal=value or signal=signal");
    j++;
    if (j >= c->ntok)
        return err_tok(err, last_tok(c), "%s", "value or signal expected after 'WHEN signal='");
    const MsToken *t = &c->tok[j];
    double v;
    if (t->kind == TK_WORD && ms_is_number(t->s, &v) == 1) {
        m->val = v;
        m->has_val = 1;
        *i = j;
        return MS_OK;
    }
    int r = t->kind == TK_WORD ? ms_is_number(t->s, &v) : 0;
    if (t->kind == TK_WORD && (isdigit((unsigned char)t->s[0]) || t->s[0] == '.' || t->s[0] == '-' || t->s[0] == '+'))
        return ms_number_error(err, t->loc, t->s, r);   /* a malformed number, not a node */
    *i = j;
    return signal_ref(c, i, &m->sig2, ac, err);
}

/* The options of a crossing (TRIG/TARG/WHEN): VAL= (trig/targ), TD=, the
 * edge; up to tok `stop` (exclusive). */
static int cond_options(const MsCard *c, int i, int stop, MsMeasCond *m, int want_val, const char *what, MsError *err)
{
    for (; i < stop; i++) {
        const MsToken *t = &c->tok[i];
        if (t->kind == TK_COMMA)
            continue;
        int rc = edge_option(c, &i, m, err);
        if (rc < 0)
            return rc;
        if (rc)
            continue;
        if (want_val && is_key(c, i, "val")) {
            if ((rc = key_number(c, &i, &m->val, err)))
                return rc;
            m->has_val = 1;
        } else if (is_key(c, i, "td")) {
            if ((rc = key_number(c, &i, &m->td, err)))
                return rc;
            if (m->td < 0)
                return err_tok(err, &c->tok[i], "%s", "TD= must not be negative");
        } else if (is_key(c, i, "from") || is_key(c, i, "to")) {
            return err_tok(err, t, "%s= is not supported with WHEN/TRIG/TARG (use TD= to skip early crossings)", t->s);
        } else {
            return ms_err_at(err, MS_ERR_SYNTAX, t->loc, "unexpected '%s' in %s (VAL=, TD=, RISE=, FALL=, CROSS=, LAST)",
                             t->s, what);
        }
    }
    return MS_OK;
}

/* TRIG or TARG clause: tokens (first, stop). */
static int trig_targ(const MsCard *c, int first, int stop, MsMeasCond *m, const char *what, int ac, MsError *err)
{
    const MsToken *kw = &c->tok[first];
    int i = first + 1;
    if (i >= stop)
        return err_tok(err, kw, "%s needs a signal (or AT=time)", what);
    if (is_key(c, i, "at")) {
        if (!strcmp(what, "TARG"))
            return err_tok(err, &c->tok[i], "%s", "TARG AT= is not supported (ngspice ignores it): give TARG a crossing");
        int rc = key_number(c, &i, &m->at, err);
        if (rc)
            return rc;
        m->has_at = 1;
        if (i + 1 < stop)
            return err_tok(err, &c->tok[i + 1], "unexpected '%s' after TRIG AT=time", c->tok[i + 1].s);
        return MS_OK;
    }
    int rc = signal_ref(c, &i, &m->sig, ac, err);
    if (rc == MS_OK)
        rc = cond_options(c, i + 1, stop, m, 1, what, err);
    if (rc)
        return rc;
    if (!m->has_val)
        return err_tok(err, kw, "%s needs VAL=value", what);
    if (m->edge == MS_EDGE_ANY)   /* as ngspice: no default crossing for TRIG/TARG */
        return err_tok(err, kw, "%s needs RISE=, FALL=, CROSS= or LAST (or TRIG AT=time)", what);
    return MS_OK;
}

/* FROM= and TO= of AVG ... INTEG, from tok i. */
static int window_options(const MsCard *c, int i, MsMeasDef *m, MsError *err)
{
    for (; i < c->ntok; i++) {
        const MsToken *t = &c->tok[i];
        if (t->kind == TK_COMMA)
            continue;
        int rc;
        if (is_key(c, i, "from")) {
            if ((rc = key_number(c, &i, &m->from, err)))
                return rc;
            m->has_from = 1;
        } else if (is_key(c, i, "to")) {
            if ((rc = key_number(c, &i, &m->to, err)))
                return rc;
            m->has_to = 1;
        } else if (is_key(c, i, "td")) {
            return err_tok(err, t, "%s", "TD= has no effect on AVG/RMS/MIN/MAX/PP/INTEG in ngspice: use FROM=");
        } else {
            return err_tok(err, t, "unexpected '%s' (FROM=, TO= expected)", t->s);
        }
    }
    if (m->has_from && m->has_to && m->to <= m->from)
        return ms_err_at(err, MS_ERR_SYNTAX, m->loc, "%s", ".meas: TO= must be greater than FROM=");
    return MS_OK;
}

static int parse_param(const MsCard *c, int i, MsMeasDef *m, MsError *err)
{
    /* PARAM='expr' or PARAM={expr} or PARAM=word */
    if (!is_key(c, i, "param") || i + 2 >= c->ntok)
        return err_tok(err, &c->tok[i], "%s", "PARAM expects PARAM='expression'");
    const MsToken *t = &c->tok[i + 2];
    if (i + 3 < c->ntok)
        return err_tok(err, &c->tok[i + 3], "unexpected '%s' after the PARAM expression (quote it: PARAM='...')", c->tok[i + 3].s);
    m->text = ms_strdup(t->s);
    m->expr_loc = t->loc;
    if (t->kind == TK_EXPR)
        m->expr_loc.col++;   /* past the quote or brace */
    return ms_expr_parse(m->text, m->expr_loc, &m->expr, err);
}

static void free_def(MsMeasDef *m)
{
    free(m->name);
    free(m->sig.name);
    free(m->trig.sig.name);
    free(m->trig.sig2.name);
    free(m->targ.sig.name);
    free(m->targ.sig2.name);
    ms_expr_free(m->expr);
    free(m->text);
}

static int find_tok(const MsCard *c, int from, const char *word)
{
    for (int i = from; i < c->ntok; i++)
        if (ms_tok_is(&c->tok[i], word))
            return i;
    return -1;
}

static int parse_body(const MsCard *c, MsMeasDef *m, MsError *err)
{
    const MsToken *tk = c->tok;
    const MsToken *kind = &tk[3];
    const char *k = kind->s;
    int rc, ac = m->analysis == MS_MEAS_AC;
    if (kind->kind == TK_WORD && !strcmp(k, "param")) {
        m->kind = MS_MEAS_PARAM;
        return parse_param(c, 3, m, err);
    }
    if (kind->kind != TK_WORD)
        return err_tok(err, kind, "measure kind expected, found '%s'", kind->s);
    if (!strcmp(k, "trig") || !strcmp(k, "delay")) {
        m->kind = MS_MEAS_TRIG_TARG;
        int targ = find_tok(c, 4, "targ");
        if (targ < 0)
            return err_tok(err, kind, "%s", "TRIG needs a TARG clause");
        rc = trig_targ(c, 3, targ, &m->trig, "TRIG", ac, err);
        return rc ? rc : trig_targ(c, targ, c->ntok, &m->targ, "TARG", ac, err);
    }
    if (!strcmp(k, "targ"))
        return err_tok(err, kind, "%s", "TARG without TRIG (write TRIG ... TARG ...)");
    if (!strcmp(k, "when")) {
        m->kind = MS_MEAS_WHEN;
        int i = 4;
        if (i >= c->ntok)
            return err_tok(err, kind, "%s", "WHEN expects signal=value");
        rc = when_condition(c, &i, &m->trig, ac, err);
        return rc ? rc : cond_options(c, i + 1, c->ntok, &m->trig, 0, "WHEN", err);
    }
    int i = 4;
    if (i >= c->ntok)
        return err_tok(err, kind, "%s needs a signal", k);
    if (!strcmp(k, "find")) {
        if ((rc = signal_ref(c, &i, &m->sig, ac, err)))
            return rc;
        i++;
        if (is_key(c, i, "at")) {
            m->kind = MS_MEAS_FIND_AT;
            if ((rc = key_number(c, &i, &m->at, err)))
                return rc;
            if (i + 1 < c->ntok)
                return err_tok(err, &tk[i + 1], "unexpected '%s' after FIND ... AT=time", tk[i + 1].s);
            return MS_OK;
        }
        if (i >= c->ntok || !ms_tok_is(&tk[i], "when"))
            return err_tok(err, i < c->ntok ? &tk[i] : last_tok(c), "%s", "FIND signal needs AT=time or WHEN signal=value");
        m->kind = MS_MEAS_FIND_WHEN;
        if (++i >= c->ntok)
            return err_tok(err, last_tok(c), "%s", "WHEN expects signal=value");
        rc = when_condition(c, &i, &m->trig, ac, err);
        return rc ? rc : cond_options(c, i + 1, c->ntok, &m->trig, 0, "WHEN", err);
    }
    static const struct { const char *w; MsMeasKind k; } stats[] = {
        {"avg", MS_MEAS_AVG}, {"rms", MS_MEAS_RMS}, {"min", MS_MEAS_MIN}, {"max", MS_MEAS_MAX},
        {"pp", MS_MEAS_PP}, {"integ", MS_MEAS_INTEG}, {"integral", MS_MEAS_INTEG},
    };
    for (size_t s = 0; s < sizeof stats / sizeof stats[0]; s++)
        if (!strcmp(k, stats[s].w)) {
            m->kind = stats[s].k;
            if ((rc = signal_ref(c, &i, &m->sig, ac, err)))
                return rc;
            return window_options(c, i + 1, m, err);
        }
    static const char *later[] = {"deriv", "derivative", "min_at", "max_at", "err", "err1", "err2", "err3", 0};
    for (int s = 0; later[s]; s++)
        if (!strcmp(k, later[s]))
            return ms_err_at(err, MS_ERR_UNSUPPORTED, kind->loc, "measure '%s' is not supported "
                             "(TRIG/TARG, WHEN, FIND, AVG, RMS, MIN, MAX, PP, INTEG, PARAM are)", k);
    return err_tok(err, kind, "unknown measure '%s' (TRIG/TARG, WHEN, FIND, AVG, RMS, MIN, MAX, PP, INTEG or PARAM)", k);
}

int ms_parse_meas(MsDeck *d, const MsCard *c, MsError *err)
{
    const MsToken *tk = c->tok;
    if (c->ntok < 4)
        return err_tok(err, c->ntok > 1 ? last_tok(c) : &tk[0], "%s",
                       ".meas expects: .meas tran NAME TRIG|WHEN|FIND|AVG|RMS|MIN|MAX|PP|INTEG|PARAM ...");
    if (d->nmeas >= MS_MAX_MEASURES)
        return ms_err_at(err, MS_ERR_SEMANTIC, tk[0].loc, "more than %d .meas cards", MS_MAX_MEASURES);
    MsMeasDef m = {0};
    m.loc = tk[0].loc;
    if (ms_tok_is(&tk[1], "tran"))
        m.analysis = MS_MEAS_TRAN;
    else if (ms_tok_is(&tk[1], "dc"))
        m.analysis = MS_MEAS_DC;
    else if (ms_tok_is(&tk[1], "ac"))
        m.analysis = MS_MEAS_AC;
    else
        return err_tok(err, &tk[1], "analysis expected after .meas (tran, dc or ac), found '%s'", tk[1].s);
    const char *nm = tk[2].s;
    if (tk[2].kind != TK_WORD || !(isalpha((unsigned char)nm[0]) || nm[0] == '_'))
        return err_tok(err, &tk[2], "measure name expected, found '%s'", nm);
    for (const char *p = nm; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_')
            return err_tok(err, &tk[2], "measure name '%s': letters, digits and '_' only (PARAM expressions read it)", nm);
    for (int k = 0; k < d->nmeas; k++)
        if (!strcmp(d->meas[k].name, nm))
            return ms_err_at(err, MS_ERR_SEMANTIC, tk[2].loc, "measure '%s' defined twice (first at line %d)", nm,
                             d->meas[k].loc.line);
    m.name = ms_strdup(nm);
    int rc = parse_body(c, &m, err);
    if (rc) {
        free_def(&m);
        return rc;
    }
    MS_RESERVE_NEXT(d->meas, d->nmeas);
    d->meas[d->nmeas++] = m;
    return MS_OK;
}

/* Does the deck run analysis a? */
static int deck_runs(const MsDeck *d, MsMeasAnalysis a)
{
    return a == MS_MEAS_TRAN ? d->has_tran : a == MS_MEAS_DC ? d->has_dc : d->has_ac;
}

int ms_meas_check_analyses(const MsDeck *d, MsError *err)
{
    for (int k = 0; k < d->nmeas; k++) {
        const MsMeasDef *m = &d->meas[k];
        if (!deck_runs(d, m->analysis)) {
            const char *a = ms_meas_analysis_name(m->analysis);
            return ms_err_at(err, MS_ERR_SEMANTIC, m->loc, "'.meas %s %s': the netlist has no .%s analysis to measure", a,
                             m->name, a);
        }
    }
    return MS_OK;
}

void ms_meas_defs_free(MsDeck *d)
{
    for (int k = 0; k < d->nmeas; k++)
        free_def(&d->meas[k]);
    free(d->meas);
    d->meas = NULL;
    d->nmeas = 0;
}
