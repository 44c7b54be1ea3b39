/* dev_memristor.c — native memristors, in Xyce's element syntax:
 *
 *   YMEMRISTOR name n+ n- model [param=value ...] [fault=sa0|sa1]
 *   .model model MEMRISTOR level=N (param=value ...)
 *
 * The state x is an ordinary unknown with its own row, so the Newton
 * solve and the adjoint see it like any node:
 *   KCL:   f_{n+} += I(v, x),  f_{n-} -= I(v, x),   v = v(n+) - v(n-)
 *   state: d/dt x - g(v, x) = 0  in a transient,   x - x0 = 0  at DC
 * (at DC a memristor keeps its initial state: dx/dt = 0 holds for any x).
 * The model equations (memristor_models.c) are written once on dual
 * numbers, giving dI/dv, dI/dx, dg/dv, dg/dx and d/dparam exactly.
 *
 * Bounds: the model equations stop the state at the ends of its range
 * ([0, 1]; Xyce's TEAM: [xon, xoff] * xscaling): a rate pointing out from a
 * bound is zero (memristor_models.h), so an implicit step has its solution
 * inside; a transient point with x more than MS_MEM_X_SLACK of the range
 * outside (a trapezoidal step that overshoots) is not accepted, so such a
 * step is cut rather than kept.
 *
 * Faults: fault=sa0 sticks the cell at its high-resistance state (x = 0;
 * Xyce's TEAM: xoff), sa1 at the low-resistance state (x = 1; xon); the
 * state then never moves. */
#include "memristor_models.h"
#include "stamp.h"

/* How far outside its range a converged state may lie, relative to the
 * range: Newton's own error (its updates are within reltol |x| + vntol and
 * shrink quadratically). */
#define MS_MEM_X_SLACK 1e-9

typedef struct Memristor {
    MsInstHead h;
    int a, b, x;
    MsMemModel m;          /* level and parameter values (model, then instance overrides) */
    int fault;             /* MS_MEM_FAULT_* */
    MsQuad ab;             /* (a,b) block */
    int ax, bx, xa, xb, xx;
} Memristor;

void ms_memristor_set_fault(void *inst, int fault)
{
    Memristor *d = inst;
    d->fault = fault;
    d->m.par[MP_X0] = fault == MS_MEM_FAULT_SA1 ? ms_mem_state_on(&d->m) : ms_mem_state_off(&d->m);
}

int ms_memristor_fault(const void *inst) { return ((const Memristor *)inst)->fault; }

static int mem_claims(const MsCard *c) { return ms_tok_is(&c->tok[0], "ymemristor"); }

/* fault=sa0|sa1 among the instance arguments; *skip marks its three tokens. */
static int read_fault(MsElab *el, const MsCard *c, int from, int *fault, int *fault_at)
{
    *fault = MS_MEM_FAULT_NONE;
    *fault_at = -1;
    for (int i = from; i + 2 < c->ntok; i++) {
        if (!ms_tok_is(&c->tok[i], "fault") || c->tok[i + 1].kind != TK_EQ)
            continue;
        const MsToken *v = &c->tok[i + 2];
        if (ms_tok_is(v, "sa0"))
            *fault = MS_MEM_FAULT_SA0;
        else if (ms_tok_is(v, "sa1"))
            *fault = MS_MEM_FAULT_SA1;
        else if (!ms_tok_is(v, "none"))
            return ms_elab_error(el, MS_ERR_SYNTAX, v, "fault must be sa0, sa1 or none, found '%s'", v->s);
        *fault_at = i;
    }
    return MS_OK;
}

static int mem_parse(MsElab *el, const MsCard *c, void *p)
{
    Memristor *d = p;
    const MsToken *tk = c->tok;
    if (c->ntok < 5 || tk[1].kind != TK_WORD)
        return ms_elab_error(el, MS_ERR_SYNTAX, &tk[c->ntok - 1], "%s",
                             "YMEMRISTOR expects: YMEMRISTOR name n+ n- model [param=value ...]");
    int rc;
    if ((rc = ms_elab_node(el, &tk[2], &d->a)) || (rc = ms_elab_node(el, &tk[3], &d->b)))
        return rc;
    const MsModelDef *md;
    if ((rc = ms_elab_model(el, &tk[4], "memristor", &md)))
        return rc;
    if ((rc = ms_mem_model_read(el, md, &d->m)))
        return rc;
    int fault_at;
    if ((rc = read_fault(el, c, 5, &d->fault, &fault_at)))
        return rc;
    /* instance overrides, around the fault= tokens */
    int end = fault_at >= 0 ? fault_at : c->ntok;
    if ((rc = ms_mem_params_read(el, c, 5, end, md, &d->m)))
        return rc;
    if (fault_at >= 0 && (rc = ms_mem_params_read(el, c, fault_at + 3, c->ntok, md, &d->m)))
        return rc;
    if (d->fault)
        ms_memristor_set_fault(d, d->fault);
    return ms_mem_model_check(el, &tk[4], &d->m);
}

static int mem_unknowns(MsSetup *s, void *insts, int n)
{
    Memristor *d = insts;
    for (int i = 0; i < n; i++)
        d[i].x = ms_setup_state_unknown(s, d[i].h.name, "x");
    return MS_OK;
}

static int mem_entries(MsSetup *s, void *insts, int n)
{
    Memristor *d = insts;
    for (int i = 0; i < n; i++) {
        Memristor *e = &d[i];
        ms_quad_declare(s, e->a, e->b, &e->ab);
        ms_setup_entry(s, e->a, e->x, &e->ax);
        ms_setup_entry(s, e->b, e->x, &e->bx);
        ms_setup_entry(s, e->x, e->a, &e->xa);
        ms_setup_entry(s, e->x, e->b, &e->xb);
        ms_setup_entry(s, e->x, e->x, &e->xx);
    }
    return MS_OK;
}

/* dq_x/dx = 1: the state's time derivative */
static void mem_stamp(const void *insts, int n, double *G, double *C)
{
    (void)G;
    const Memristor *d = insts;
    for (int i = 0; i < n; i++)
        C[d[i].xx] += 1;
}

static void mem_eval(const void *insts, int n, MsEval *ev)
{
    const Memristor *d = insts;
    for (int i = 0; i < n; i++) {
        const Memristor *e = &d[i];
        double v = ev->x[e->a] - ev->x[e->b], x = ev->x[e->x];
        double I[3], g[3];
        if (!ms_mem_eval_fast(&e->m, v, x, I, g)) {
            Dual Id, gd;
            ms_mem_eval(&e->m, -1, v, x, &Id, &gd);
            I[0] = Id.v, I[1] = Id.d[0], I[2] = Id.d[1];
            g[0] = gd.v, g[1] = gd.d[0], g[2] = gd.d[1];
        }
        /* a transient point with x outside [0, 1] is never accepted: Newton
         * iterates on, and a step whose solution lies outside fails (and is
         * cut, or refused in fixed-step mode) instead of passing silently */
        double lo, hi;
        ms_mem_range(&e->m, &lo, &hi);
        if (!ev->dc && (x < lo - MS_MEM_X_SLACK * (hi - lo) || x > hi + MS_MEM_X_SLACK * (hi - lo))) {
            ev->limited = 1;
            ev->past_wall |= e->m.xyce && e->m.level == 2;
        }
        ev->f[e->a] += I[0];
        ev->f[e->b] -= I[0];
        /* x - x0 = 0 at DC; a stuck cell has dx/dt = 0 and x stays at x0 */
        int state_row = !ev->dc && !e->fault;
        if (ev->dc)
            ev->f[e->x] += x - e->m.par[MP_X0];
        else if (state_row)
            ev->f[e->x] -= g[0];
        if (ev->values_only)
            continue;
        ms_quad_add(ev->G, &e->ab, I[1]);
        ev->G[e->ax] += I[2];
        ev->G[e->bx] -= I[2];
        if (ev->dc)
            ev->G[e->xx] += 1;
        else if (state_row) {
            ev->G[e->xa] -= g[1];
            ev->G[e->xb] += g[1];
            ev->G[e->xx] -= g[2];
        }
    }
}

static void mem_ics(const void *insts, int n, MsIcSink *sink)
{
    const Memristor *d = insts;
    for (int i = 0; i < n; i++)
        sink->add(sink, d[i].x, 0, d[i].m.par[MP_X0]);
}

static int mem_param_index(const void *inst, const char *name)
{
    (void)inst;
    return ms_mem_param_index(name);
}

static double *mem_param_ref(void *inst, int k) { return &((Memristor *)inst)->m.par[k]; }

static int mem_param_at(const void *inst, const double *p)
{
    const double *par = ((const Memristor *)inst)->m.par;
    for (int k = 0; k < MP_COUNT; k++)
        if (p == &par[k])
            return ms_mem_param_trainable(k) ? k : -1;
    return -1;
}

/* wq . dq/dp + wf . df/dp for model parameter k */
static double mem_dparam(const void *inst, int k, const MsEval *ev, const MsSourceEval *se, const double *wq,
                         const double *wf)
{
    (void)se, (void)wq;
    const Memristor *e = inst;
    double v = ev->x[e->a] - ev->x[e->b], x = ev->x[e->x];
    Dual I, g;
    ms_mem_eval(&e->m, k, v, x, &I, &g);
    double r = I.d[2] * (wf[e->a] - wf[e->b]);
    if (ev->dc)
        r -= (k == MP_X0) * wf[e->x];
    else if (!e->fault)
        r -= g.d[2] * wf[e->x];
    return r;
}

static double mem_dinitial(const void *inst, int k, const double *w)
{
    const Memristor *e = inst;
    return k == MP_X0 && !e->fault ? w[e->x] : 0;
}

static void mem_describe(const void *inst, MsElemInfo *o)
{
    const Memristor *d = inst;
    *o = (MsElemInfo){.kind = 'y', .a = d->a, .b = d->b, .branch = -1, .state = d->x, .fault = d->fault,
                      .model = &d->m};
}

/* v I(v, x), the model's current at the state (a stuck cell's too) */
static double mem_power(const void *inst, const double *x)
{
    const Memristor *d = inst;
    double v = x[d->a] - x[d->b];
    Dual I, g;
    ms_mem_eval(&d->m, -1, v, x[d->x], &I, &g);
    return v * I.v;
}

const MsDevType ms_dev_memristor = {
    .name = "memristor", .letter = 'y', .inst_size = sizeof(Memristor), .flags = MS_DEV_NONLINEAR,
    .claims = mem_claims, .parse = mem_parse, .unknowns = mem_unknowns, .entries = mem_entries,
    .stamp_linear = mem_stamp, .eval = mem_eval, .initial = mem_ics,
    .param_index = mem_param_index, .param_ref = mem_param_ref, .dparam = mem_dparam,
    .dinitial = mem_dinitial, .param_at = mem_param_at, .describe = mem_describe,
    .power = mem_power,
};
