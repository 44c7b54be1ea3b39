/* dev_behavioral.c — behavioral elements whose value is an expression of
 * node voltages V(n), branch currents I(vsrc) and time, compiled to a tape
 * (netlist/tape.h) that gives exact Jacobian entries:
 *
 *   B n+ n- I={expr}        current expr flows from n+ through the source to n-
 *   B n+ n- V={expr}        v(n+) - v(n-) = expr, with a branch current
 *   G n+ n- value={expr}    as B ... I=
 *   E n+ n- value={expr}    as B ... V=
 *   R n+ n- r={expr}        i = (v(n+) - v(n-)) / expr   (ngspice's behavioral resistor)
 *
 * One instance layout serves all; `kind` selects the equations. */
#include "stamp.h"
#include "../netlist/tape.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct Behav {
    MsInstHead h;
    char kind;        /* 'i' current, 'v' voltage, 'r' resistor */
    int a, b, k;      /* k: branch of a voltage kind */
    MsTape *tape;
    int *sa, *sb;     /* per tape var: slots (a, var), (b, var); (k, var) in sa for 'v' */
    int ak, bk, ka, kb;
    MsQuad q;         /* resistor's own (a, b) entries */
    /* Instances whose tapes compute the same function are evaluated together
     * (ms_tape_eval_batch): the first of them, the leader, holds the list. */
    int leader;       /* index of this instance's leader */
    int *members;     /* leader only: instance indices, NULL if evaluated alone */
    int nmembers;
    int *lane_unk;    /* leader only: members' var unknowns, nmembers x nvars */
} Behav;

/* The expression text from token `at` on: one {..}/'..' token, or the raw rest of the card. */
static const char *expr_text(const MsCard *c, int at)
{
    if (at == c->ntok - 1 && c->tok[at].kind == TK_EXPR)
        return c->tok[at].s;
    return c->text + c->tok[at].pos;
}

static int parse_expr_at(MsElab *el, const MsCard *c, int at, Behav *x)
{
    if (at >= c->ntok)
        return ms_elab_error(el, MS_ERR_SYNTAX, &c->tok[c->ntok - 1], "%s needs an expression", c->tok[0].s);
    return ms_elab_compile(el, expr_text(c, at), c->tok[at].loc, &x->tape);
}

/* The two terminals every behavioral element starts with. */
static int parse_terminals(MsElab *el, const MsCard *c, Behav *x)
{
    int nodes[2] = {0, 0}, rc = ms_parse_nodes(el, c, 2, nodes);
    x->a = nodes[0];
    x->b = nodes[1];
    return rc;
}

/* B n+ n- I=expr | V=expr */
static int bsrc_parse(MsElab *el, const MsCard *c, void *p)
{
    Behav *x = p;
    int rc;
    if ((rc = parse_terminals(el, c, x)))
        return rc;
    if (c->ntok < 5 || !(ms_tok_is(&c->tok[3], "i") || ms_tok_is(&c->tok[3], "v")) || c->tok[4].kind != TK_EQ)
        return ms_elab_error(el, MS_ERR_SYNTAX, &c->tok[c->ntok > 3 ? 3 : c->ntok - 1], "%s",
                             "B source expects: Bname n+ n- I={expr} or V={expr}");
    x->kind = c->tok[3].s[0];
    return parse_expr_at(el, c, 5, x);
}

/* E/G n+ n- value={expr} */
static int value_claims(const MsCard *c) { return c->ntok > 3 && ms_tok_is(&c->tok[3], "value"); }

static int value_parse(MsElab *el, const MsCard *c, void *p)
{
    Behav *x = p;
    int rc;
    if ((rc = parse_terminals(el, c, x)))
        return rc;
    x->kind = c->tok[0].s[0] == 'e' ? 'v' : 'i';
    if (c->ntok < 6 || c->tok[4].kind != TK_EQ)
        return ms_elab_error(el, MS_ERR_SYNTAX, &c->tok[3], "%s", "expected value={expression}");
    return parse_expr_at(el, c, 5, x);
}

/* R n+ n- r={expr} or R n+ n- {expr} where expr reads V(), I() or time. */
static int bres_value_at(const MsCard *c)
{
    if (c->ntok > 5 && ms_tok_is(&c->tok[3], "r") && c->tok[4].kind == TK_EQ)
        return 5;
    return c->ntok > 3 ? 3 : -1;
}

static int bres_claims(const MsCard *c)
{
    int at = bres_value_at(c);
    if (at < 0 || c->tok[at].kind != TK_EXPR)
        return 0;
    MsExpr *e;
    if (ms_expr_parse(c->tok[at].s, c->tok[at].loc, &e, NULL))
        return 0;   /* the plain resistor will report the syntax error */
    int behavioral = ms_expr_is_behavioral(e);
    ms_expr_free(e);
    return behavioral;
}

static int bres_parse(MsElab *el, const MsCard *c, void *p)
{
    Behav *x = p;
    int rc;
    if ((rc = parse_terminals(el, c, x)))
        return rc;
    x->kind = 'r';
    int at = bres_value_at(c);
    if (at + 1 < c->ntok)
        return ms_elab_error(el, MS_ERR_UNSUPPORTED, &c->tok[at + 1], "unsupported resistor argument '%s'",
                             c->tok[at + 1].s);
    return ms_elab_compile(el, c->tok[at].s, c->tok[at].loc, &x->tape);
}

static int behav_unknowns(MsSetup *s, void *insts, int n)
{
    Behav *x = insts;
    for (int i = 0; i < n; i++)
        if (x[i].kind == 'v')
            x[i].k = ms_setup_branch(s, x[i].h.name);
    return MS_OK;
}

/* Find the instances whose (jump-free) tapes have the same code. */
static void group_by_code(Behav *x, int n)
{
    int *leaders = ms_malloc((size_t)n * sizeof *leaders), nleaders = 0;
    for (int i = 0; i < n; i++) {
        x[i].leader = i;
        if (!ms_tape_batchable(x[i].tape))
            continue;
        for (int k = 0; k < nleaders; k++)
            if (ms_tape_same_code(x[leaders[k]].tape, x[i].tape)) {
                x[i].leader = leaders[k];
                break;
            }
        if (x[i].leader == i)
            leaders[nleaders++] = i;
        Behav *L = &x[x[i].leader];
        int nv = L->tape->nvars;
        MS_RESERVE_NEXT(L->members, L->nmembers);
        L->lane_unk = ms_realloc(L->lane_unk, (size_t)(L->nmembers + 1) * (size_t)(nv ? nv : 1) * sizeof *L->lane_unk);
        for (int j = 0; j < nv; j++)
            L->lane_unk[L->nmembers * nv + j] = x[i].tape->vars[j].unk;
        L->members[L->nmembers++] = i;
    }
    free(leaders);
}

static int behav_entries(MsSetup *s, void *insts, int n)
{
    Behav *x = insts;
    for (int i = 0; i < n; i++) {
        Behav *e = &x[i];
        MsTape *t = e->tape;
        for (int j = 0; j < t->nvars; j++) {
            if (t->vars[j].branch) {
                t->vars[j].unk = ms_setup_find_branch(s, t->vars[j].branch);
                if (t->vars[j].unk < 0)
                    return ms_setup_error(s, e->h.loc, "%s: I(%s) names no element with a branch current (V, E, H, L, B V=)",
                                          e->h.name, t->vars[j].branch);
            }
        }
        e->sa = ms_calloc((size_t)t->nvars + 1, sizeof *e->sa);
        e->sb = ms_calloc((size_t)t->nvars + 1, sizeof *e->sb);
        for (int j = 0; j < t->nvars; j++) {
            if (e->kind == 'v') {
                ms_setup_entry(s, e->k, t->vars[j].unk, &e->sa[j]);
            } else {
                ms_setup_entry(s, e->a, t->vars[j].unk, &e->sa[j]);
                ms_setup_entry(s, e->b, t->vars[j].unk, &e->sb[j]);
            }
        }
        if (e->kind == 'v') {
            ms_setup_entry(s, e->a, e->k, &e->ak);
            ms_setup_entry(s, e->b, e->k, &e->bk);
            ms_setup_entry(s, e->k, e->a, &e->ka);
            ms_setup_entry(s, e->k, e->b, &e->kb);
        } else if (e->kind == 'r') {
            ms_quad_declare(s, e->a, e->b, &e->q);
        }
        ms_setup_scratch(s, ms_tape_scratch(t) + (size_t)t->nvars);
        ms_setup_scratch(s, ms_tape_batch_scratch(t) + (size_t)MS_TAPE_LANES * (size_t)(t->nvars + 1));
    }
    group_by_code(x, n);
    return MS_OK;
}

static void behav_stamp(const void *insts, int n, double *G, double *C)
{
    (void)C;
    const Behav *x = insts;
    for (int i = 0; i < n; i++)
        if (x[i].kind == 'v') {
            G[x[i].ak] += 1;
            G[x[i].bk] -= 1;
            G[x[i].ka] += 1;
            G[x[i].kb] -= 1;
        }
}

static void report(MsEval *ev, const Behav *e, const char *what)
{
    if (!ev->failed)
        ms_err_at(ev->err, MS_ERR_EVAL, e->h.loc, "%s: %s in '%s' at t=%g", e->h.name, what, e->tape->text, ev->t);
    ev->failed = 1;
}

/* The point a DC solve starts from (all zeros, or the previous gmin or
 * source step) need not lie in an expression's domain: ln(V(a) - 5), or a
 * resistance V(x), at V = 0.  ngspice carries on there (its functions
 * return HUGE); here the first iteration of a DC solve treats the element
 * as off (no current, zero voltage, gmin for a resistor so that no node
 * floats) and marks the evaluation limited, so Newton iterates again from
 * the next point.  A failure at any later iteration, or in a transient
 * step, is an error. */
static void fail_or_off(MsEval *ev, const Behav *e, const char *what)
{
    if (!(ev->dc && ev->first_iter)) {
        report(ev, e, what);
        return;
    }
    ev->limited = 1;
    if (e->kind == 'r') {
        double cur = ev->gmin * (ev->x[e->a] - ev->x[e->b]);
        ev->f[e->a] += cur;
        ev->f[e->b] -= cur;
        ms_quad_add(ev->G, &e->q, ev->gmin);
    }
}

/* Add one instance's value and gradient to the residual and Jacobian. */
static void apply(const Behav *e, double val, const double *grad, MsEval *ev)
{
    const int nv = e->tape->nvars;
    if (e->kind == 'i') {
        /* a terminal on ground writes only scratch slots: skip them, since
         * thousands of writes to one slot would serialise on it */
        if (e->a) {
            ev->f[e->a] += val;
            for (int j = 0; j < nv && !ev->values_only; j++)
                ev->G[e->sa[j]] += grad[j];
        }
        if (e->b) {
            ev->f[e->b] -= val;
            for (int j = 0; j < nv && !ev->values_only; j++)
                ev->G[e->sb[j]] -= grad[j];
        }
    } else if (e->kind == 'v') {
        ev->f[e->k] -= val;
        for (int j = 0; j < nv && !ev->values_only; j++)
            ev->G[e->sa[j]] -= grad[j];
    } else {
        if (val == 0) {
            fail_or_off(ev, e, "zero resistance");
            return;
        }
        double vd = ev->x[e->a] - ev->x[e->b], g = 1 / val, cur = vd * g;
        ev->f[e->a] += cur;
        ev->f[e->b] -= cur;
        if (ev->values_only)
            return;
        ms_quad_add(ev->G, &e->q, g);
        for (int j = 0; j < nv; j++) {
            double d = -cur * g * grad[j];   /* d(vd / r)/dr * dr/dx */
            ev->G[e->sa[j]] += d;
            ev->G[e->sb[j]] -= d;
        }
    }
}

static void eval_one(const Behav *e, MsEval *ev)
{
    double val, *grad = ev->scratch, *work = ev->scratch + e->tape->nvars;
    const char *what;
    if (ms_tape_eval(e->tape, ev->x, ev->t, work, &val, grad, &what))
        fail_or_off(ev, e, what);
    else
        apply(e, val, grad, ev);
}

/* A leader's whole class, MS_TAPE_LANES instances at a time. */
static void eval_class(const Behav *x, const Behav *L, MsEval *ev)
{
    const MsTape *t = L->tape;
    const int nv = t->nvars;
    double *val = ev->scratch, *grad = val + MS_TAPE_LANES, *work = grad + (size_t)MS_TAPE_LANES * nv;
    for (int start = 0; start < L->nmembers; start += MS_TAPE_LANES) {
        int lanes = L->nmembers - start < MS_TAPE_LANES ? L->nmembers - start : MS_TAPE_LANES;
        int bad;
        const char *what;
        if (ms_tape_eval_batch(t, lanes, L->lane_unk + (size_t)start * nv, ev->x, ev->t, work, val,
                               ev->values_only ? NULL : grad, &bad,
                               &what)) {
            if (!(ev->dc && ev->first_iter)) {
                report(ev, &x[L->members[start + bad]], what);
                return;
            }
            /* one by one, so that only the failing ones are off */
            for (int l = 0; l < lanes; l++)
                eval_one(&x[L->members[start + l]], ev);
            continue;
        }
        for (int l = 0; l < lanes; l++)
            apply(&x[L->members[start + l]], val[l], grad + (size_t)l * nv, ev);
    }
}

static void behav_eval(const void *insts, int n, MsEval *ev)
{
    const Behav *x = insts;
    for (int i = 0; i < n; i++) {
        const Behav *e = &x[i];
        if (e->leader != i)
            continue;   /* evaluated with its leader's class */
        if (e->members) {
            eval_class(x, e, ev);
            continue;
        }
        eval_one(e, ev);
    }
}

static void behav_free(void *insts, int n)
{
    Behav *x = insts;
    for (int i = 0; i < n; i++) {
        ms_tape_free(x[i].tape);
        free(x[i].sa);
        free(x[i].sb);
        free(x[i].members);
        free(x[i].lane_unk);
    }
}

static MsTape *behav_tape(void *inst) { return ((Behav *)inst)->tape; }

/* wf . df/dtheta for the tape's input var (a trainable .param), from the
 * tape's forward-mode derivative dval/dtheta: the current val flows from a
 * to b ('i'), the branch row reads v(a) - v(b) - val ('v'), and a resistor
 * conducts (v(a) - v(b)) / val ('r').  No charge: wq does not enter. */
static double behav_dtape(const void *inst, int var, const MsEval *ev, const MsSourceEval *se, const double *wq,
                          const double *wf)
{
    (void)se, (void)wq;
    const Behav *e = inst;
    const int nv = e->tape->nvars;
    double val, *grad = ev->scratch, *work = ev->scratch + nv;
    const char *what;
    if (ms_tape_eval(e->tape, ev->x, ev->t, work, &val, grad, &what))
        return NAN;   /* it evaluated at this point in the forward run: cannot happen */
    double dv = grad[var];
    if (e->kind == 'i')
        return (wf[e->a] - wf[e->b]) * dv;
    if (e->kind == 'v')
        return -wf[e->k] * dv;
    double cur = (ev->x[e->a] - ev->x[e->b]) / val;
    return (wf[e->a] - wf[e->b]) * (-cur / val * dv);
}

/* voltage kinds only (B V=, E value=): the batched training engine's buffers */
static void behav_describe(const void *inst, MsElemInfo *o)
{
    const Behav *e = inst;
    *o = (MsElemInfo){.kind = e->kind == 'v' ? 'b' : '?', .a = e->a, .b = e->b, .branch = e->kind == 'v' ? e->k : -1,
                      .tape = e->tape};
}

#define BEHAVIORAL(var, nm, ch, parse_fn, claims_fn)                                              \
    const MsDevType var = {                                                                      \
        .name = nm, .letter = ch, .inst_size = sizeof(Behav), .flags = MS_DEV_NONLINEAR,         \
        .parse = parse_fn, .unknowns = behav_unknowns, .entries = behav_entries,                 \
        .stamp_linear = behav_stamp, .eval = behav_eval, .claims = claims_fn, .free = behav_free, \
        .tape = behav_tape, .dtape = behav_dtape, .describe = behav_describe,                    \
    }
BEHAVIORAL(ms_dev_bsource, "bsource", 'b', bsrc_parse, NULL);
BEHAVIORAL(ms_dev_evalue, "vcvs-expression", 'e', value_parse, value_claims);
BEHAVIORAL(ms_dev_gvalue, "vccs-expression", 'g', value_parse, value_claims);
BEHAVIORAL(ms_dev_bresistor, "behavioral-resistor", 'r', bres_parse, bres_claims);
