/* dev_switch.c — voltage- and current-controlled switches (SPICE S, W), in
 * ngspice's syntax and semantics:
 *   S1 n+ n- nc+ nc- model [on|off]    .model name sw  (vt= vh= ron= roff=)
 *   W1 n+ n- vctrl model [on|off]      .model name csw (it= ih= ron= roff=)
 * The control c (v(nc+) - v(nc-), or the branch current of vctrl) switches
 * on above vt + vh and off below vt - vh; in between the switch keeps the
 * state of the last accepted time point (at the operating point: the
 * instance's on/off, default off).  Defaults as ngspice: vt = vh = 0,
 * ron = 1, roff = 1/gmin.
 *
 * The state is an unknown s of the system (saved as x(s1), 0 off, 1 on)
 * with the row  s - on(c, s) = 0, and the switch conducts
 * g(s) = goff + s (gon - goff).  on(c, s) is on above the band, off below
 * it and s (rounded) inside it; Newton's first iterate of a time point is
 * the last accepted point's (or the predictor's, through points of one
 * state), so inside the band the state is the accepted one unless an
 * iterate left the band, as in ngspice.  Every converged point holds its
 * own state in x: the adjoint reads the conductance the forward run used
 * at each point from the trajectory.  on() is piecewise constant: the row
 * has no derivative with respect to the control, and the conductance
 * carries no gradient through it.  A point whose decision differs from its
 * s is not converged (ev->limited); the accepted() hook asks for a restart
 * of the integrator where the switch changed and limits the step while the
 * control approaches the threshold ahead. */
#include "stamp.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef struct SwModel {
    double vt, vh, ron, roff;
} SwModel;

static const MsParamDesc vsw_params[] = {
    {"vt", offsetof(SwModel, vt), 0, 0, "threshold voltage (V)"},
    {"vh", offsetof(SwModel, vh), 0, 0, "hysteresis voltage (V)"},
    {"ron", offsetof(SwModel, ron), 1, 0, "on resistance (ohm)"},
    {"roff", offsetof(SwModel, roff), 0, 0, "off resistance (ohm), default 1/gmin"},
    {0, 0, 0, 0, 0},
};

static const MsParamDesc csw_params[] = {
    {"it", offsetof(SwModel, vt), 0, 0, "threshold current (A)"},
    {"ih", offsetof(SwModel, vh), 0, 0, "hysteresis current (A)"},
    {"ron", offsetof(SwModel, ron), 1, 0, "on resistance (ohm)"},
    {"roff", offsetof(SwModel, roff), 0, 0, "off resistance (ohm), default 1/gmin"},
    {0, 0, 0, 0, 0},
};

/* numeric state per instance, written by accepted() only: the state of the
 * last accepted point (0: none yet, 1 off, 2 on) and its control value */
enum { ST_ACCEPTED, ST_CTRL, ST_COUNT };

typedef struct Switch {
    MsInstHead h;
    char kind;           /* 's' voltage, 'w' current controlled */
    int a, b, c, d;      /* c, d: controlling nodes (S) */
    int ctl;             /* controlling branch (W) */
    char *ctl_name;
    int s;               /* state unknown */
    int st;              /* numeric state offset */
    int init_on;
    int roff_gmin;       /* roff not given: goff = gmin */
    SwModel m;
    MsQuad q;
    int as, bs, ss;
} Switch;

static int sw_parse(MsElab *el, const MsCard *c, void *p)
{
    Switch *w = p;
    const MsToken *tk = c->tok;
    w->kind = tk[0].s[0];
    int vctl = w->kind == 's', nodes[4], rc, at = vctl ? 5 : 4;
    if ((rc = ms_parse_nodes(el, c, vctl ? 4 : 2, nodes)))
        return rc;
    w->a = nodes[0];
    w->b = nodes[1];
    if (vctl) {
        w->c = nodes[2];
        w->d = nodes[3];
    } else {
        if (c->ntok < 4 || tk[3].kind != TK_WORD)
            return ms_elab_error(el, MS_ERR_SYNTAX, &tk[c->ntok < 4 ? c->ntok - 1 : 3],
                                 "%s needs a controlling source name: W1 n+ n- vctrl model [on|off]", tk[0].s);
        w->ctl_name = ms_elab_ref(el, &tk[3]);
    }
    if (at >= c->ntok)
        return ms_elab_error(el, MS_ERR_SYNTAX, &tk[c->ntok - 1], "%s needs a model name (.model name %s)", tk[0].s,
                             vctl ? "sw" : "csw");
    const MsModelDef *m;
    if ((rc = ms_elab_model(el, &tk[at], vctl ? "sw" : "csw", &m)))
        return rc;
    const MsParamDesc *desc = vctl ? vsw_params : csw_params;
    ms_params_default(desc, &w->m);
    unsigned given = 0;
    if ((rc = ms_elab_params(el, m->card, m->first, m->last, desc, &w->m, &given)))
        return rc;
    w->roff_gmin = !(given & (1u << 3));   /* ngspice: goff = gmin unless roff is given */
    if (!(w->m.ron > 0 && (w->roff_gmin || w->m.roff > 0) && isfinite(1 / w->m.ron) &&
          (w->roff_gmin || isfinite(1 / w->m.roff)) && isfinite(w->m.ron) && isfinite(w->m.roff)))
        return ms_elab_error(el, MS_ERR_SEMANTIC, &tk[at], "%s: model '%s' needs ron > 0 and roff > 0", tk[0].s,
                             tk[at].s);
    if (!(w->m.vh >= 0))
        return ms_elab_error(el, MS_ERR_UNSUPPORTED, &tk[at],
                             "%s: model '%s': a negative hysteresis (%s < 0) is not supported", tk[0].s, tk[at].s,
                             vctl ? "vh" : "ih");
    at++;
    if (at < c->ntok && (ms_tok_is(&tk[at], "on") || ms_tok_is(&tk[at], "off"))) {
        w->init_on = tk[at].s[1] == 'n';
        at++;
    }
    if (at < c->ntok)
        return ms_elab_error(el, MS_ERR_UNSUPPORTED, &tk[at], "unexpected '%s' (after the model: on or off)",
                             tk[at].s);
    return MS_OK;
}

static int sw_unknowns(MsSetup *s, void *insts, int n)
{
    Switch *w = insts;
    for (int i = 0; i < n; i++) {
        w[i].s = ms_setup_state_unknown(s, w[i].h.name, "x");
        w[i].st = ms_setup_state(s, ST_COUNT);
    }
    return MS_OK;
}

static int sw_entries(MsSetup *s, void *insts, int n)
{
    Switch *w = insts;
    for (int i = 0; i < n; i++) {
        if (w[i].ctl_name) {
            w[i].ctl = ms_setup_find_branch(s, w[i].ctl_name);
            if (w[i].ctl < 0)
                return ms_setup_error(s, w[i].h.loc, "%s: controlling source '%s' not found (it must be a V, E, H or L element)",
                                      w[i].h.name, w[i].ctl_name);
        }
        ms_quad_declare(s, w[i].a, w[i].b, &w[i].q);
        ms_setup_entry(s, w[i].a, w[i].s, &w[i].as);
        ms_setup_entry(s, w[i].b, w[i].s, &w[i].bs);
        ms_setup_entry(s, w[i].s, w[i].s, &w[i].ss);
    }
    return MS_OK;
}

static double control(const Switch *w, const double *x)
{
    return w->kind == 's' ? x[w->c] - x[w->d] : x[w->ctl];
}

/* on (1) or off (0) for control value v, from the previous state */
static int decide(const Switch *w, double v, int prev_on)
{
    if (v > w->m.vt + w->m.vh)
        return 1;
    if (v < w->m.vt - w->m.vh)
        return 0;
    return prev_on;
}

static void sw_eval(const void *insts, int n, MsEval *ev)
{
    const Switch *w = insts;
    const double *x = ev->x;
    for (int i = 0; i < n; i++) {
        const Switch *e = &w[i];
        /* in the band the switch keeps the state of the iterate, which starts
         * as the last accepted point's (ngspice keeps its iteration's state
         * too): once a step's iterate has switched, it stays switched while
         * the control is in the band, so a switch that moves its own control
         * back into the band (a relaxation oscillator) has a consistent
         * solution.  The first iteration of an operating point starts from
         * the card's on/off. */
        int prev = ev->dc && ev->first_iter ? e->init_on : x[e->s] > 0.5;
        int on = decide(e, control(e, x), prev);
        double gon = 1 / e->m.ron, goff = e->roff_gmin ? ev->gmin : 1 / e->m.roff, s = x[e->s];
        double g = goff + s * (gon - goff), v = x[e->a] - x[e->b], cur = g * v;
        ev->f[e->a] += cur;
        ev->f[e->b] -= cur;
        ev->f[e->s] += s - on;
        if (fabs(s - on) > 0.5)
            ev->limited = 1;   /* the point's state is not its own decision: not converged */
        if (!ev->values_only) {
            ms_quad_add(ev->G, &e->q, g);
            ev->G[e->as] += (gon - goff) * v;
            ev->G[e->bs] -= (gon - goff) * v;
            ev->G[e->ss] += 1;
        }
    }
}

static int sw_accepted(const void *insts, int n, const double *x, double h, double *state, double *hmax)
{
    const Switch *w = insts;
    int changed = 0;
    for (int i = 0; i < n; i++) {
        const Switch *e = &w[i];
        double *st = state + e->st;
        int on = x[e->s] > 0.5, had = st[ST_ACCEPTED] != 0;
        double c = control(e, x), c_prev = st[ST_CTRL];
        int flip = had && on != (st[ST_ACCEPTED] == 2);
        changed |= flip;
        /* while the control heads for the threshold ahead, a step may take it
         * three quarters of the way there (and a little beyond, so the steps
         * do not shrink without end); ngspice's trunc rule, in spirit */
        if (had && h > 0 && !flip) {
            double rate = (c - c_prev) / h, ref = on ? e->m.vt - e->m.vh : e->m.vt + e->m.vh;
            double dist = on ? c - ref : ref - c, heading = on ? -rate : rate;
            double margin = 1e-3 * fmax(fabs(ref) + e->m.vh, e->kind == 's' ? 1.0 : 1e-3);
            if (dist > 0 && heading > 0)
                *hmax = fmin(*hmax, (0.75 * dist + margin) / heading);
        }
        st[ST_ACCEPTED] = on ? 2 : 1;
        st[ST_CTRL] = c;
    }
    return changed;
}

/* uic: an instance given "on" starts on */
static void sw_initial(const void *insts, int n, MsIcSink *sink)
{
    const Switch *w = insts;
    for (int i = 0; i < n; i++)
        if (w[i].init_on)
            sink->add(sink, w[i].s, 0, 1);
}

static void sw_free(void *insts, int n)
{
    Switch *w = insts;
    for (int i = 0; i < n; i++)
        free(w[i].ctl_name);
}

#define SWITCH(var, nm, ch)                                                                        \
    const MsDevType var = {                                                                       \
        .name = nm, .letter = ch, .inst_size = sizeof(Switch), .flags = MS_DEV_NONLINEAR,         \
        .parse = sw_parse, .unknowns = sw_unknowns, .entries = sw_entries, .eval = sw_eval,       \
        .initial = sw_initial, .free = sw_free, .accepted = sw_accepted,                          \
    }
SWITCH(ms_dev_vswitch, "voltage switch", 's');
SWITCH(ms_dev_cswitch, "current switch", 'w');
