/* parser.c — see parser.h. */
#include "parser.h"
#include "ac_forms.h"
#include "number.h"
#include "tape.h"
#include "../devices/registry.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct Parser {
    MsDeck *deck;
    MsSubckt *cur;
    MsError *err;
} Parser;

void ms_options_default(MsOptions *o)
{
    o->reltol = 1e-3;
    o->abstol = 1e-12;
    o->vntol = 1e-6;
    o->chgtol = 1e-14;
    o->trtol = 7.0;
    o->gmin = 1e-12;
    o->maxstep = 0;
    o->itl1 = 100;
    o->itl4 = 10;
    o->fixedstep = 0;
    o->chord = 1;
    o->memfault = 0;
    o->memfaultseed = 1;
    o->memfaultsa1 = 0.5;
    o->seed = 1;
}

int ms_tok_is(const MsToken *t, const char *word)
{
    return t->kind == TK_WORD && !strcmp(t->s, word);
}

#define PUSH(arr, n, item)                                                    \
    do {                                                                      \
        MS_RESERVE_NEXT(arr, n);                                              \
        (arr)[(n)++] = (item);                                                \
    } while (0)

static int syntax(Parser *p, const MsToken *t, const char *fmt, const char *arg)
{
    return ms_err_at(p->err, MS_ERR_SYNTAX, t->loc, fmt, arg);
}

/* Parse "name = expr [,] name = expr ..." from the card text at pos into defs. */
static int parse_assignments(Parser *p, const MsCard *c, const char *pos, MsParamDef **defs,
                             int *ndefs)
{
    const char *t = c->text;
    for (;;) {
        while (isspace((unsigned char)*pos) || *pos == ',')
            pos++;
        if (!*pos)
            return MS_OK;
        const char *ns = pos;
        while (isalnum((unsigned char)*pos) || *pos == '_' || *pos == '.')
            pos++;
        MsLoc loc = ms_card_loc(c, (int)(ns - t));
        if (pos == ns || !(isalpha((unsigned char)*ns) || *ns == '_'))
            return ms_err_at(p->err, MS_ERR_SYNTAX, loc, "parameter name expected, found '%.20s'", ns);
        char *name = ms_strndup(ns, (size_t)(pos - ns));
        while (isspace((unsigned char)*pos))
            pos++;
        if (*pos != '=') {
            int rc = ms_err_at(p->err, MS_ERR_SYNTAX, ms_card_loc(c, (int)(pos - t)),
                               "'=' expected after parameter '%s'", name);
            free(name);
            return rc;
        }
        pos++;
        while (isspace((unsigned char)*pos))
            pos++;
        const char *es = pos;
        MsExpr *e;
        int rc = ms_expr_parse_prefix(es, &pos, ms_card_loc(c, (int)(es - t)), &e, p->err);
        if (rc) {
            free(name);
            return rc;
        }
        MsParamDef d = {name, e, ms_strndup(es, (size_t)(pos - es)), loc};
        PUSH(*defs, *ndefs, d);
    }
}

static const char *after_word(const char *s)
{
    while (*s && !isspace((unsigned char)*s))
        s++;
    return s;
}

static int parse_func(Parser *p, const MsCard *c)
{
    /* .func name(a, b) [=] {expr} */
    const MsToken *tk = c->tok;
    if (c->ntok < 4 || tk[1].kind != TK_WORD || tk[2].kind != TK_LP)
        return syntax(p, &tk[c->ntok > 1 ? 1 : 0], "%s", ".func expects: .func name(args) = {expression}");
    MsFuncDef f = {0};
    f.name = ms_strdup(tk[1].s);
    f.loc = tk[1].loc;
    int i = 3;
    while (i < c->ntok && tk[i].kind == TK_WORD) {
        PUSH(f.args, f.nargs, ms_strdup(tk[i].s));
        i++;
        if (i < c->ntok && tk[i].kind == TK_COMMA)
            i++;
    }
    int rc = MS_OK;
    if (i >= c->ntok || tk[i].kind != TK_RP) {
        rc = syntax(p, &tk[i < c->ntok ? i : c->ntok - 1], "%s", "')' expected after .func arguments");
    } else {
        i++;
        if (i < c->ntok && tk[i].kind == TK_EQ)
            i++;
        if (i >= c->ntok) {
            rc = syntax(p, &tk[c->ntok - 1], "%s", ".func needs a body expression");
        } else {
            /* the body is the rest of the card text */
            f.text = ms_strdup(c->text + tk[i].pos);
            rc = ms_expr_parse(f.text, tk[i].loc, &f.body, p->err);
        }
    }
    if (rc) {
        for (int k = 0; k < f.nargs; k++)
            free(f.args[k]);
        free(f.args);
        free(f.name);
        free(f.text);
        return rc;
    }
    PUSH(p->cur->funcs, p->cur->nfuncs, f);
    return MS_OK;
}

static int parse_subckt(Parser *p, const MsCard *c)
{
    const MsToken *tk = c->tok;
    if (c->ntok < 2 || tk[1].kind != TK_WORD)
        return syntax(p, &tk[0], "%s", ".subckt needs a name");
    MsSubckt *s = ms_calloc(1, sizeof *s);
    s->name = ms_strdup(tk[1].s);
    s->parent = p->cur;
    s->loc = tk[0].loc;
    int i = 2;
    for (; i < c->ntok; i++) {
        if (ms_tok_is(&tk[i], "params:") || ms_tok_is(&tk[i], "optional:"))
            break;
        if (tk[i].kind != TK_WORD || (i + 1 < c->ntok && tk[i + 1].kind == TK_EQ))
            break;
        PUSH(s->ports, s->nports, ms_strdup(tk[i].s));
    }
    s->nrequired = s->nports;
    s->port_defaults = ms_calloc((size_t)s->nports + 1, sizeof *s->port_defaults);
    PUSH(p->cur->subs, p->cur->nsubs, s);
    p->cur = s;
    /* PSpice: "optional: port=default_node ...", ports an instance may leave out */
    if (i < c->ntok && ms_tok_is(&tk[i], "optional:")) {
        for (i++; i + 2 < c->ntok && tk[i].kind == TK_WORD && tk[i + 1].kind == TK_EQ && tk[i + 2].kind == TK_WORD &&
                  !ms_tok_is(&tk[i], "params:");
             i += 3) {
            PUSH(s->ports, s->nports, ms_strdup(tk[i].s));
            s->port_defaults = ms_realloc(s->port_defaults, (size_t)s->nports * sizeof *s->port_defaults);
            s->port_defaults[s->nports - 1] = ms_strdup(tk[i + 2].s);
        }
        if (s->nports == s->nrequired)
            return syntax(p, &tk[i < c->ntok ? i : c->ntok - 1], "%s", "optional: expects port=default_node pairs");
    }
    if (i < c->ntok) {
        /* parameter defaults: find the text position after "params:" or of the first name=value */
        const char *pos = strstr(c->text, "params:");
        pos = pos ? pos + 7 : c->text + tk[i].pos;
        return parse_assignments(p, c, pos, &s->defaults, &s->ndefaults);
    }
    return MS_OK;
}

static int parse_model(Parser *p, const MsCard *c)
{
    const MsToken *tk = c->tok;
    if (c->ntok < 3 || tk[1].kind != TK_WORD || tk[2].kind != TK_WORD)
        return syntax(p, &tk[c->ntok > 1 ? 1 : 0], "%s", ".model expects: .model name type (parameters)");
    MsModelDef m = {ms_strdup(tk[1].s), ms_strdup(tk[2].s), c, 3, c->ntok};
    if (m.first < c->ntok && tk[m.first].kind == TK_LP) {
        m.first++;
        if (tk[c->ntok - 1].kind != TK_RP) {
            free(m.name);
            free(m.type);
            return syntax(p, &tk[c->ntok - 1], "%s", "')' expected at the end of .model");
        }
        m.last = c->ntok - 1;
    }
    PUSH(p->cur->models, p->cur->nmodels, m);
    return MS_OK;
}

static void notice_at(Parser *p, const MsToken *t, const char *fmt, const char *what)
{
    MsNoticeFn fn = p->deck->src.notice;
    if (!fn)
        return;
    char *msg = ms_asprintf("%s:%d: ", t->loc.file ? t->loc.file : "netlist", t->loc.line);
    char *text = ms_asprintf(fmt, what);
    char *all = ms_asprintf("%s%s", msg, text);
    fn(all, p->deck->src.notice_user);
    free(msg);
    free(text);
    free(all);
}

/* ngspice options accepted with no effect in memspice: listings and accounting
 * (acct .. post), SPICE2 options ngspice itself calls obsolete or unsupported
 * (itl3, itl5, limpts, limtim, lvlcod, lvltim, cptime), solver and DC-convergence
 * knobs whose converged result is the same (klu .. gminfactor; rshunt: every node
 * already has gmin to ground), MOSFET and transmission-line defaults for devices
 * memspice does not have (defm .. trytocompact), and "trans", which is no option
 * in ngspice either (it sets an unused variable). */
static int option_is_noop(const char *name)
{
    static const char *noop[] = {
        "acct", "noacct", "list", "node", "opts", "nopage", "nomod", "noinit", "numdgt", "post",
        "ingold", "warn", "maxwarns", "keepopinfo", "savecurrents", "interp", "norefvalue",
        "itl2", "itl3", "itl5", "itl6", "limpts", "limtim", "lvlcod", "lvltim",
        "cptime", "klu", "sparse", "pivtol", "pivrel", "bypass", "noopiter", "rshunt", "srcsteps",
        "gminsteps", "gminfactor", "defm", "defl", "defw", "defad", "defas", "badmos3", "oldlimit",
        "trytocompact", "trans", "maxord", NULL,
    };
    for (int i = 0; noop[i]; i++)
        if (!strcmp(name, noop[i]))
            return 1;
    return 0;
}

/* Xyce's ".options PACKAGE name=value ...".  timeint reltol is memspice's
 * reltol (both are the relative local-error tolerance), timeint abstol its
 * vntol (Xyce's absolute local-error tolerance, 1e-6 by default as vntol),
 * timeint method as method=; device temp and gmin as memspice's.  The rest
 * (linear solver, nonlinear solver and output settings) change how Xyce
 * works, not the circuit: ignored with a notice naming them. */
static const char *xyce_packages[] = {"timeint", "device", "linsol", "linsol-tran", "output", "nonlin", "nonlin-tran",
                                      "nonlin-hb", "loca", "restart", "diagnostic", "parser", "measure", "sens",
                                      "hbint", "conductance", "circuit", "fft", "sensitivity", "samples",
                                      "embeddedsamples", "pce", "linsol-hb", "mpdeint", NULL};

static int xyce_options(Parser *p, const MsCard *c)
{
    MsOptions *o = &p->deck->opt;
    const MsToken *tk = c->tok;
    const char *pkg = tk[1].s;
    char ignored[256] = "";
    for (int i = 2; i < c->ntok; i++) {
        if (tk[i].kind == TK_COMMA)
            continue;
        if (!(tk[i].kind == TK_WORD && i + 2 < c->ntok && tk[i + 1].kind == TK_EQ))
            return syntax(p, &tk[i], "Xyce option name=value expected, found '%s'", tk[i].s);
        const char *name = tk[i].s;
        const MsToken *val = &tk[i + 2];
        i += 2;
        double v = 0;
        int is_num = ms_is_number(val->s, &v) == 1;
        double *dst = NULL;
        if (!strcmp(pkg, "timeint") && !strcmp(name, "reltol"))
            dst = &o->reltol;
        else if (!strcmp(pkg, "timeint") && !strcmp(name, "abstol"))
            dst = &o->vntol;
        else if (!strcmp(pkg, "device") && !strcmp(name, "gmin"))
            dst = &o->gmin;
        else if (!strcmp(pkg, "device") && !strcmp(name, "temp"))
            dst = &p->deck->temp;
        if (dst) {
            if (!is_num || (dst != &p->deck->temp && !(v > 0)) || (dst == &p->deck->temp && v < -273.15))
                return syntax(p, val, "a number expected (a positive one, or a temperature in C), found '%s'", val->s);
            *dst = v;
        } else if (!strcmp(pkg, "timeint") && !strcmp(name, "method")) {
            if (!strcmp(val->s, "gear") || !strcmp(val->s, "8"))
                notice_at(p, val, "%s", "timeint method=gear: memspice integrates with the trapezoidal rule instead "
                          "(both keep the local error within the tolerances)");
            else if (strcmp(val->s, "trap") && strcmp(val->s, "trapezoid") && strcmp(val->s, "7"))
                return ms_err_at(p->err, MS_ERR_UNSUPPORTED, val->loc,
                                 "timeint method=%s is not supported (memspice integrates with the trapezoidal rule)",
                                 val->s);
        } else if (strlen(ignored) + strlen(name) + 3 < sizeof ignored) {
            strcat(strcat(ignored, *ignored ? " " : ""), name);
        }
    }
    if (*ignored) {
        char *what = ms_asprintf("%s: %s", pkg, ignored);
        notice_at(p, &tk[1], ".options %s ignored (Xyce's settings; memspice keeps its own solver and output)", what);
        free(what);
    }
    return MS_OK;
}

static int parse_options(Parser *p, const MsCard *c)
{
    MsOptions *o = &p->deck->opt;
    const MsToken *tk = c->tok;
    for (int k = 0; c->ntok > 1 && xyce_packages[k]; k++)
        if (ms_tok_is(&tk[1], xyce_packages[k]))
            return xyce_options(p, c);
    for (int i = 1; i < c->ntok; i++) {
        if (tk[i].kind == TK_COMMA)
            continue;
        if (tk[i].kind != TK_WORD)
            return syntax(p, &tk[i], "option name expected, found '%s'", tk[i].s);
        const char *name = tk[i].s;
        const MsToken *name_tok = &tk[i], *val = NULL;
        if (i + 1 < c->ntok && tk[i + 1].kind == TK_EQ) {
            if (i + 2 >= c->ntok)
                return syntax(p, &tk[i + 1], "value expected after '%s='", name);
            val = &tk[i + 2];
            i += 2;
        }
        double v = 0;
        int r = val && strcmp(name, "method") ? ms_is_number(val->s, &v) : 1;
        if (r != 1)
            return ms_number_error(p->err, val->loc, val->s, r);
        struct { const char *n; double *d; } dopts[] = {
            {"reltol", &o->reltol}, {"abstol", &o->abstol}, {"vntol", &o->vntol},
            {"chgtol", &o->chgtol}, {"trtol", &o->trtol}, {"gmin", &o->gmin},
            {"maxstep", &o->maxstep}, {"memfault", &o->memfault}, {"memfaultseed", &o->memfaultseed},
            {"memfaultsa1", &o->memfaultsa1},
        };
        int done = 0;
        for (size_t k = 0; k < sizeof dopts / sizeof dopts[0]; k++)
            if (!strcmp(name, dopts[k].n)) {
                if (!val || v < 0)
                    return syntax(p, &tk[i], "option '%s' needs a positive value", name);
                if (!strncmp(name, "memfault", 8) && strcmp(name, "memfaultseed") && v > 1)
                    return syntax(p, &tk[i], "option '%s' is a fraction in [0, 1]", name);
                *dopts[k].d = v;
                done = 1;
            }
        if (done)
            continue;
        if (!strcmp(name, "itl1") || !strcmp(name, "itl4")) {
            if (!val || v < 1 || v > 1e6)
                return syntax(p, &tk[i], "option '%s' needs a count from 1 to 1000000", name);
            *(name[3] == '1' ? &o->itl1 : &o->itl4) = (int)v;
        } else if (!strcmp(name, "seed")) {
            /* the random sources' seed (devices/noise_wave.c): an integer, exact in a double */
            if (!val || v < 0 || v != floor(v) || v > 9007199254740992.0)
                return syntax(p, &tk[i], "%s", "option 'seed' needs an integer from 0 to 2^53");
            o->seed = v;
        } else if (!strcmp(name, "temp")) {   /* as .temp */
            if (!val || v < -273.15)
                return syntax(p, &tk[i], "%s", "option 'temp' needs a temperature in degrees Celsius above absolute zero");
            p->deck->temp = v;
        } else if (!strcmp(name, "tnom")) {
            if (!val || v != 27)
                return ms_err_at(p->err, MS_ERR_UNSUPPORTED, name_tok->loc, "%s",
                                 "option 'tnom' other than 27 is not supported (give tnom= on the .model card)");
        } else if (!strcmp(name, "fixedstep")) {
            o->fixedstep = val ? v != 0 : 1;
        } else if (!strcmp(name, "chord")) {
            o->chord = val ? v != 0 : 1;
        } else if (!strcmp(name, "method")) {
            if (!val)
                return syntax(p, &tk[i], "%s", "method needs a value: method=trap");
            if (!strcmp(val->s, "gear"))   /* both are stable, and both control their local error */
                notice_at(p, val, "%s", "method=gear: memspice integrates with the trapezoidal rule instead (both "
                          "keep the local error within reltol/abstol, so results agree within those tolerances)");
            else if (strcmp(val->s, "trap") && strcmp(val->s, "trapezoidal"))
                return syntax(p, val, "unknown integration method '%s' (use trap)", val->s);
        } else if (!option_is_noop(name)) {
            return ms_err_at(p->err, MS_ERR_UNSUPPORTED, name_tok->loc, "unknown option '%s'", name);
        }
    }
    return MS_OK;
}

/* Xyce's name of a memristor's state, "ymemristor!mr1_x" (in a subcircuit
 * "x1:ymemristor!mr1_x" or "ymemristor!x1:mr1_x"), as memspice's "x(x1.mr1)". */
int ms_xyce_state_name(const char *s, MsLoc loc, char **out, MsError *err)
{
    const char *bang = strchr(s, '!');
    size_t len = strlen(s);
    if (!bang || len < 2 || strcmp(s + len - 2, "_x") ||
        !((bang - s == 10 && !strncmp(s, "ymemristor", 10)) ||
          (bang - s > 11 && !strncmp(bang - 11, ":ymemristor", 11))) || bang + 1 == s + len - 2)
        return ms_err_at(err, MS_ERR_UNSUPPORTED, loc,
                         "n(%s): memspice has Xyce's n() only for a memristor's state, n(ymemristor!NAME_x)", s);
    /* the hierarchy before "ymemristor!" and after it, ':' becoming '.' */
    size_t pre = bang - s == 10 ? 0 : (size_t)(bang - s) - 10;
    char *name = ms_asprintf("x(%.*s%.*s)", (int)pre, s, (int)(s + len - 2 - bang - 1), bang + 1);
    for (char *q = name; *q; q++)
        if (*q == ':')
            *q = '.';
    *out = name;
    return MS_OK;
}

/* vm(a[,b]) ... ii(name): the underlying v()/i() and the form (ac_forms.h). */
static int parse_ac_form(const MsCard *c, int *i, MsVecRef *out, int allowed, MsError *err)
{
    const MsToken *tk = c->tok, *t = &tk[*i];
    char letter = 0;
    int form = ms_ac_form_of(t->s, &letter);
    if (!allowed)
        return ms_err_at(err, MS_ERR_UNSUPPORTED, t->loc,
                         "'%s(...)' is one of ngspice's AC forms: memspice takes them in .print ac, .save and .meas ac only "
                         "(here use v(node), v(a,b) or i(source))", t->s);
    int j = *i + 2;
    if (j >= c->ntok || tk[j].kind != TK_WORD)
        return ms_err_at(err, MS_ERR_SYNTAX, t->loc, "%s(: %s name expected", t->s, letter == 'v' ? "node" : "element");
    const char *a = tk[j++].s, *b = NULL;
    if (letter == 'v' && j + 1 < c->ntok && tk[j].kind == TK_COMMA && tk[j + 1].kind == TK_WORD) {
        b = tk[j + 1].s;
        j += 2;
    }
    if (j >= c->ntok || tk[j].kind != TK_RP)
        return ms_err_at(err, MS_ERR_SYNTAX, t->loc, "%s(...): ')' expected%s", t->s,
                         letter == 'i' ? " (a branch current form takes one element name)" : "");
    out->name = b ? ms_asprintf("v(%s,%s)", a, b) : ms_asprintf("%c(%s)", letter, a);
    out->form = form;
    *i = j;
    return MS_OK;
}

static int parse_ref(const MsCard *c, int *i, MsVecRef *out, int forms, MsError *err)
{
    const MsToken *tk = c->tok;
    const MsToken *t = &tk[*i];
    char letter;
    if (t->kind != TK_WORD)
        return ms_err_at(err, MS_ERR_SYNTAX, t->loc, "signal name expected, found '%s'", t->s);
    out->loc = t->loc;
    if (*i + 3 < c->ntok && tk[*i + 1].kind == TK_LP && tk[*i + 2].kind == TK_WORD && tk[*i + 3].kind == TK_RP &&
        (!strcmp(t->s, "n") || !strcmp(t->s, "p") || !strcmp(t->s, "w"))) {
        int rc = t->s[0] == 'n' ? ms_xyce_state_name(tk[*i + 2].s, tk[*i + 2].loc, &out->name, err) : MS_OK;
        if (rc)
            return rc;
        if (t->s[0] != 'n')   /* the element's power (Xyce: also w()), a derived vector (circuit.c) */
            out->name = ms_asprintf("p(%s)", tk[*i + 2].s);
        *i += 3;
        return MS_OK;
    }
    if (*i + 1 < c->ntok && tk[*i + 1].kind == TK_LP && ms_ac_form_of(t->s, &letter))
        return parse_ac_form(c, i, out, forms, err);
    if (*i + 1 < c->ntok && tk[*i + 1].kind == TK_LP) {
        if (strcmp(t->s, "v") && strcmp(t->s, "i") && strcmp(t->s, "x"))
            return ms_err_at(err, MS_ERR_UNSUPPORTED, t->loc,
                             "'%s(...)' is not supported (use v(node), v(a,b), i(source), x(memristor), "
                             "p(element) (Xyce: also w(element)), Xyce's n(ymemristor!name_x), and in .print ac / .save / .meas ac ngspice's AC forms "
                             "vm vdb vp vr vi (of nodes) and im idb ip ir ii (of a branch current))", t->s);
        int j = *i + 2;
        if (j >= c->ntok || tk[j].kind != TK_WORD)
            return ms_err_at(err, MS_ERR_SYNTAX, t->loc, "%s", "node or source name expected in v()/i()");
        char *a = tk[j].s, *b = NULL;
        j++;
        if (t->s[0] == 'v' && j + 1 < c->ntok && tk[j].kind == TK_COMMA && tk[j + 1].kind == TK_WORD) {
            b = tk[j + 1].s;
            j += 2;
        }
        if (j >= c->ntok || tk[j].kind != TK_RP)
            return ms_err_at(err, MS_ERR_SYNTAX, t->loc, "%s", "')' expected");
        out->name = b ? ms_asprintf("v(%s,%s)", a, b) : ms_asprintf("%s(%s)", t->s, a);
        *i = j;
        return MS_OK;
    }
    if (t->s[0] == '@')
        return ms_err_at(err, MS_ERR_UNSUPPORTED, t->loc, "device parameter '%s' cannot be saved", t->s);
    out->name = ms_asprintf("v(%s)", t->s);
    return MS_OK;
}

int ms_parse_vecref(const MsCard *c, int *i, MsVecRef *out, MsError *err) { return parse_ref(c, i, out, 0, err); }
int ms_parse_print_ref(const MsCard *c, int *i, MsVecRef *out, MsError *err) { return parse_ref(c, i, out, 1, err); }

/* Xyce's ".print tran format=csv file=out.csv ..." settings: how Xyce writes
 * its own output file; memspice writes every vector to -o. */
static int print_setting(Parser *p, const MsCard *c, int *i)
{
    static const char *keys[] = {"format", "file", "width", "precision", "filter", "delimiter", "time_width", NULL};
    const MsToken *tk = c->tok;
    if (!(*i + 2 < c->ntok && tk[*i].kind == TK_WORD && tk[*i + 1].kind == TK_EQ))
        return 0;
    for (int k = 0; keys[k]; k++)
        if (!strcmp(tk[*i].s, keys[k])) {
            char *what = ms_asprintf("%s=%s", tk[*i].s, tk[*i + 2].s);
            notice_at(p, &tk[*i], ".print %s ignored (memspice writes the vectors to -o, in the format of its suffix)",
                      what);
            free(what);
            *i += 2;
            return 1;
        }
    return -1;
}

/* The analysis word of `.print tran|dc|ac|op ...`: 0 and *an set, 1 for a
 * card to skip (.print op: ngspice 39 prints nothing for it either), or an error. */
static int print_analysis(Parser *p, const MsCard *c, MsMeasAnalysis *an)
{
    static const char *const words[] = {"tran", "dc", "ac"};
    const MsToken *t = &c->tok[c->ntok > 1];
    for (int k = 0; k < 3 && c->ntok > 1; k++)
        if (ms_tok_is(t, words[k])) {
            *an = (MsMeasAnalysis)k;
            return 0;
        }
    if (c->ntok > 1 && ms_tok_is(t, "op")) {
        notice_at(p, t, "%s", ".print op ignored (memspice prints every operating-point value of .op to stdout; "
                              "ngspice 39 prints no table for it)");
        return 1;
    }
    if (c->ntok < 2)
        return ms_err_at(p->err, MS_ERR_SYNTAX, t->loc, "%s", ".print needs an analysis (tran, dc or ac), then the vectors");
    return ms_err_at(p->err, MS_ERR_UNSUPPORTED, t->loc, "'.print %s': .print takes tran, dc or ac, then the vectors",
                     t->s);
}

/* A .print dc/ac of an analysis the deck does not run is refused (ngspice
 * 39 says "Error: .print: no ac analysis found." and prints nothing).  A
 * .print tran without .tran stays what it always was in memspice: its
 * vectors are saved (the operating point shows p() and {expr} vectors). */
static int print_check_analyses(const MsDeck *d, MsError *err)
{
    for (int k = 0; k < d->nprints; k++) {
        MsMeasAnalysis a = d->print_an[k];
        int runs = a == MS_MEAS_TRAN ? 1 : a == MS_MEAS_DC ? d->has_dc : d->has_ac;
        if (!runs) {
            const char *w = ms_meas_analysis_name(a);
            return ms_err_at(err, MS_ERR_SEMANTIC, d->prints[k].loc,
                             "'.print %s': the netlist has no .%s analysis to print", w, w);
        }
    }
    return MS_OK;
}

static int parse_save_print(Parser *p, const MsCard *c, int is_print)
{
    int i = 1;
    MsMeasAnalysis an = MS_MEAS_TRAN;
    if (is_print) {
        int rc = print_analysis(p, c, &an);
        if (rc)
            return rc > 0 ? MS_OK : rc;
        i = 2;
    }
    for (; i < c->ntok; i++) {
        if (c->tok[i].kind == TK_COMMA)
            continue;
        if (!is_print && ms_tok_is(&c->tok[i], "all")) {
            p->deck->save_all = 1;
            continue;
        }
        int set = is_print ? print_setting(p, c, &i) : 0;
        if (set > 0)
            continue;
        if (set < 0 || (i + 1 < c->ntok && c->tok[i + 1].kind == TK_EQ))
            return ms_err_at(p->err, MS_ERR_UNSUPPORTED, c->tok[i].loc,
                             "'%s=' is not supported on %s (memspice: signals%s)", c->tok[i].s, c->tok[0].s,
                             is_print ? "; Xyce's format= file= width= precision= filter= delimiter= are ignored" :
                             "; Xyce's .save of the operating point (type= file= level=) is not supported");
        MsVecRef r = {0};
        int rc;
        if (c->tok[i].kind == TK_EXPR) {   /* {expr}: evaluated at every point (elab_print.c) */
            r = (MsVecRef){ms_asprintf("{%s}", c->tok[i].s), c->tok[i].loc, ms_strdup(c->tok[i].s), NULL, 0};
            rc = MS_OK;
        } else {
            rc = ms_parse_print_ref(c, &i, &r, p->err);
        }
        if (rc)
            return rc;
        if (is_print && r.form && an != MS_MEAS_AC) {
            char *label = ms_ac_form_label(r.form, r.name);
            rc = ms_err_at(p->err, MS_ERR_UNSUPPORTED, r.loc,
                           "'%s' is an AC form (a function of a phasor): use it in '.print ac'; '.print %s' takes "
                           "v(), i(), x(), p() and {expr}", label, ms_meas_analysis_name(an));
            free(label);
        }
        if (is_print && an == MS_MEAS_AC && (r.expr || !strncmp(r.name, "p(", 2)))
            rc = ms_err_at(p->err, MS_ERR_UNSUPPORTED, r.loc,
                           "'%s' in '.print ac': a power or an expression is a large-signal quantity with no phasor "
                           "(use v(), i(), x() or the AC forms vdb(n), vp(n), ...)", r.name);
        if (rc) {
            ms_vecref_free(&r);
            return rc;
        }
        if (is_print) {
            int n = p->deck->nprints;
            PUSH(p->deck->print_an, n, an);
            PUSH(p->deck->prints, p->deck->nprints, r);
        } else
            PUSH(p->deck->saves, p->deck->nsaves, r);
    }
    return MS_OK;
}

/* .ic or .nodeset: v(node)=value pairs into *list. */
static int parse_node_values(Parser *p, const MsCard *c, MsIcDef **list, int *n)
{
    const MsToken *tk = c->tok;
    for (int i = 1; i < c->ntok; i++) {
        if (tk[i].kind == TK_COMMA)
            continue;
        /* v ( node ) = value */
        if (!(i + 5 < c->ntok && ms_tok_is(&tk[i], "v") && tk[i + 1].kind == TK_LP &&
              tk[i + 2].kind == TK_WORD && tk[i + 3].kind == TK_RP && tk[i + 4].kind == TK_EQ))
            return syntax(p, &tk[i], "%s expects v(node)=value", tk[0].s);
        const MsToken *vt = &tk[i + 5];
        MsExpr *e;
        int rc = ms_expr_parse(vt->s, vt->loc, &e, p->err);
        if (rc)
            return rc;
        MsIcDef d = {ms_strdup(tk[i + 2].s), e, vt->loc};
        PUSH(*list, *n, d);
        i += 5;
    }
    return MS_OK;
}

/* The values may be {expressions} of .param: they are evaluated during
 * elaboration (ms_elab_tran_card); here only the card is recorded. */
static int parse_tran(Parser *p, const MsCard *c)
{
    if (p->cur != &p->deck->top)
        return syntax(p, &c->tok[0], "%s", ".tran inside a .subckt");
    p->deck->tran_card = c;
    p->deck->has_tran = 1;
    p->deck->tran_loc = c->tok[0].loc;
    return MS_OK;
}

/* .ac dec|oct|lin N FSTART FSTOP: evaluated during elaboration (elab_ac.c). */
static int parse_ac(Parser *p, const MsCard *c)
{
    if (p->cur != &p->deck->top)
        return syntax(p, &c->tok[0], "%s", ".ac inside a .subckt");
    if (p->deck->ac_card)
        return syntax(p, &c->tok[0], "%s", "a second .ac card (memspice runs one sweep)");
    p->deck->ac_card = c;
    p->deck->has_ac = 1;
    return MS_OK;
}

/* .dc: recorded here, its values evaluated during elaboration (elab_dc.c). */
static int parse_dc(Parser *p, const MsCard *c)
{
    if (p->cur != &p->deck->top)
        return syntax(p, &c->tok[0], "%s", ".dc inside a .subckt");
    if (p->deck->dc_card)
        return ms_err_at(p->err, MS_ERR_UNSUPPORTED, c->tok[0].loc,
                         "a second .dc card (the first is at line %d; memspice runs one DC sweep per netlist)",
                         p->deck->dc_card->tok[0].loc.line);
    p->deck->dc_card = c;
    p->deck->has_dc = 1;
    return MS_OK;
}

/* .temp T: the circuit temperature in °C (one value). */
static int parse_temp(Parser *p, const MsCard *c)
{
    double v;
    int r = c->ntok == 2 && c->tok[1].kind == TK_WORD ? ms_is_number(c->tok[1].s, &v) : 0;
    if (c->ntok != 2)
        return syntax(p, &c->tok[c->ntok > 2 ? 2 : 0], "%s", ".temp expects one temperature in degrees Celsius");
    if (r != 1)
        return ms_number_error(p->err, c->tok[1].loc, c->tok[1].s, r);
    if (v < -273.15)
        return syntax(p, &c->tok[1], "%s", ".temp below absolute zero");
    p->deck->temp = v;
    return MS_OK;
}

static int parse_dot(Parser *p, const MsCard *c)
{
    const MsToken *t0 = &c->tok[0];
    const char *w = t0->s;
    if (!strcmp(w, ".global_param") && p->cur->parent)   /* Xyce's; at the top level a .param is global too */
        return syntax(p, t0, "%s", ".global_param belongs at the top level (as in Xyce)");
    if (!strcmp(w, ".param") || !strcmp(w, ".global_param"))
        return parse_assignments(p, c, after_word(c->text), &p->cur->params, &p->cur->nparams);
    if (!strcmp(w, ".func"))
        return parse_func(p, c);
    if (!strcmp(w, ".subckt"))
        return parse_subckt(p, c);
    if (!strcmp(w, ".ends")) {
        if (!p->cur->parent)
            return syntax(p, t0, "%s", ".ends without .subckt");
        if (c->ntok > 1 && c->tok[1].kind == TK_WORD && strcmp(c->tok[1].s, p->cur->name))
            return ms_err_at(p->err, MS_ERR_SYNTAX, c->tok[1].loc, ".ends %s closes .subckt %s",
                             c->tok[1].s, p->cur->name);
        p->cur = p->cur->parent;
        return MS_OK;
    }
    if (!strcmp(w, ".model"))
        return parse_model(p, c);
    if (!strcmp(w, ".options") || !strcmp(w, ".option") || !strcmp(w, ".opt"))
        return parse_options(p, c);
    if (!strcmp(w, ".tran"))
        return parse_tran(p, c);
    if (!strcmp(w, ".ac"))
        return parse_ac(p, c);
    if (!strcmp(w, ".dc"))
        return parse_dc(p, c);
    if (!strcmp(w, ".op")) {
        p->deck->has_op = 1;
        return MS_OK;
    }
    if (!strcmp(w, ".save"))
        return parse_save_print(p, c, 0);
    if (!strcmp(w, ".print"))
        return parse_save_print(p, c, 1);
    if (!strcmp(w, ".ic") && p->cur != &p->deck->top)   /* per instance of the definition */
        return parse_node_values(p, c, &p->cur->ics, &p->cur->nics);
    if (!strcmp(w, ".ic"))
        return parse_node_values(p, c, &p->deck->ics, &p->deck->nics);
    if (!strcmp(w, ".nodeset") && p->cur != &p->deck->top)   /* (its names would be top-level ones) */
        return syntax(p, t0, "%s", ".nodeset inside a .subckt (put it at the top level, e.g. v(x1.n)=1)");
    if (!strcmp(w, ".nodeset"))
        return parse_node_values(p, c, &p->deck->nodesets, &p->deck->nnodesets);
    /* their names are flattened top-level names (x1.c1): inside a .subckt
     * they would silently name top-level elements and nodes */
    if ((!strcmp(w, ".loss") || !strcmp(w, ".trainable") || !strcmp(w, ".input") || !strcmp(w, ".readout")) &&
        p->cur != &p->deck->top)
        return syntax(p, t0, "%s inside a .subckt (put it at the top level with flattened names, e.g. x1.c1)", w);
    if (!strcmp(w, ".meas") || !strcmp(w, ".measure")) {
        if (p->cur != &p->deck->top)
            return syntax(p, t0, "%s inside a .subckt (put it at the top level with flattened names, e.g. v(x1.out))", w);
        return ms_parse_meas(p->deck, c, p->err);
    }
    if (!strcmp(w, ".loss"))
        return ms_parse_loss(p->deck, c, p->err);
    if (!strcmp(w, ".trainable"))
        return ms_parse_trainable(p->deck, c, p->err);
    if (!strcmp(w, ".input"))
        return ms_parse_input(p->deck, c, p->err);
    if (!strcmp(w, ".readout"))
        return ms_parse_readout(p->deck, c, p->err);
    if (!strcmp(w, ".title")) {
        free(p->deck->src.title);
        p->deck->src.title = ms_strdup(after_word(c->text) + (*after_word(c->text) ? 1 : 0));
        return MS_OK;
    }
    if (!strcmp(w, ".temp"))
        return parse_temp(p, c);
    if (!strcmp(w, ".global")) {
        for (int i = 1; i < c->ntok; i++)
            if (c->tok[i].kind == TK_WORD)
                ms_map_put(&p->deck->globals, c->tok[i].s, 1);
        return MS_OK;
    }
    /* output and control-section cards of ngspice that change no result */
    static const char *ignored[] = {".csparam", ".plot", ".probe", ".width", 0};
    for (int i = 0; ignored[i]; i++)
        if (!strcmp(w, ignored[i])) {
            notice_at(p, t0, "%s ignored (memspice writes every saved vector to -o; plot with its PNG or CSV)", w);
            return MS_OK;
        }
    if (!strcmp(w, ".endl"))
        return syntax(p, t0, "%s", ".endl without .lib");
    if (!strcmp(w, ".endc"))
        return syntax(p, t0, "%s", ".endc without .control");
    static const char *analyses[] = {".noise", ".tf", ".sens", ".pz", ".disto", ".four", ".sp", 0};
    for (int i = 0; analyses[i]; i++)
        if (!strcmp(w, analyses[i]))
            return ms_err_at(p->err, MS_ERR_UNSUPPORTED, t0->loc,
                             "'%s' is not supported (memspice runs .op, .dc, .ac and .tran)", w);
    return ms_err_at(p->err, MS_ERR_UNSUPPORTED, t0->loc, "unsupported control card '%s'", w);
}

static int parse_card(Parser *p, const MsCard *c)
{
    if (c->ntok == 0)
        return MS_OK;
    const MsToken *t0 = &c->tok[0];
    if (c->text[0] == '+')
        return syntax(p, t0, "%s", "continuation line '+' with no line before it");
    if (c->text[0] == '.')
        return parse_dot(p, c);
    if (t0->kind != TK_WORD || !isalpha((unsigned char)t0->s[0]))
        return syntax(p, t0, "element name expected, found '%s'", t0->s);
    if (t0->s[0] != 'x' && !ms_dev_by_letter(t0->s[0]))
        return ms_err_at(p->err, MS_ERR_UNSUPPORTED, t0->loc, "unsupported element '%s' (no device for letter '%c')",
                         t0->s, toupper((unsigned char)t0->s[0]));
    PUSH(p->cur->elems, p->cur->nelems, c);
    return MS_OK;
}

int ms_parse_netlist(const char *path, const char *text, MsDeck *deck, MsError *err,
                     MsNoticeFn notice, void *notice_user)
{
    memset(deck, 0, sizeof *deck);
    ms_options_default(&deck->opt);
    deck->temp = 27;
    deck->src.notice = notice;
    deck->src.notice_user = notice_user;
    int rc = ms_lex_netlist(path, text, &deck->src, err);
    if (rc)
        return rc;
    Parser p = {deck, &deck->top, err};
    for (int i = 0; i < deck->src.ncards && rc == MS_OK; i++)
        rc = parse_card(&p, &deck->src.cards[i]);
    if (rc == MS_OK && p.cur != &deck->top)
        rc = ms_err_at(err, MS_ERR_SYNTAX, p.cur->loc, ".subckt %s has no .ends", p.cur->name);
    if (rc == MS_OK)
        rc = ms_meas_check_analyses(deck, err);
    if (rc == MS_OK)
        rc = print_check_analyses(deck, err);
    if (rc == MS_OK && !deck->has_op && !deck->has_tran && !deck->has_dc && !deck->has_ac && notice)
        notice("no .op, .dc, .ac or .tran card: memspice will compute the operating point", notice_user);
    return rc;
}

static void free_params(MsParamDef *d, int n)
{
    for (int i = 0; i < n; i++) {
        free(d[i].name);
        free(d[i].text);
        ms_expr_free(d[i].expr);
    }
    free(d);
}

static void free_subckt(MsSubckt *s)
{
    free(s->name);
    for (int i = 0; i < s->nports; i++) {
        free(s->ports[i]);
        if (s->port_defaults)
            free(s->port_defaults[i]);
    }
    free(s->ports);
    free(s->port_defaults);
    free_params(s->defaults, s->ndefaults);
    free_params(s->params, s->nparams);
    for (int i = 0; i < s->nics; i++) {
        free(s->ics[i].node);
        ms_expr_free(s->ics[i].expr);
    }
    free(s->ics);
    free(s->elems);
    for (int i = 0; i < s->nfuncs; i++) {
        MsFuncDef *f = &s->funcs[i];
        free(f->name);
        free(f->text);
        for (int k = 0; k < f->nargs; k++)
            free(f->args[k]);
        free(f->args);
        ms_expr_free(f->body);
    }
    free(s->funcs);
    for (int i = 0; i < s->nmodels; i++) {
        free(s->models[i].name);
        free(s->models[i].type);
    }
    free(s->models);
    for (int i = 0; i < s->nsubs; i++) {
        free_subckt(s->subs[i]);
        free(s->subs[i]);
    }
    free(s->subs);
}

void ms_vecref_free(MsVecRef *r)
{
    free(r->name);
    free(r->expr);
    ms_tape_free(r->tape);
}

void ms_deck_free(MsDeck *d)
{
    free_subckt(&d->top);
    ms_map_free(&d->globals);
    for (int i = 0; i < d->nics; i++) {
        free(d->ics[i].node);
        ms_expr_free(d->ics[i].expr);
    }
    free(d->ics);
    for (int i = 0; i < d->nnodesets; i++) {
        free(d->nodesets[i].node);
        ms_expr_free(d->nodesets[i].expr);
    }
    free(d->nodesets);
    for (int i = 0; i < d->nsaves; i++)
        ms_vecref_free(&d->saves[i]);
    free(d->saves);
    for (int i = 0; i < d->nprints; i++)
        ms_vecref_free(&d->prints[i]);
    free(d->prints);
    free(d->print_an);
    for (int i = 0; i < d->nlosses; i++) {
        free(d->losses[i].signal.name);
        free(d->losses[i].target.name);
        free(d->losses[i].meas.name);
        free(d->losses[i].pwl_t);
        free(d->losses[i].pwl_v);
    }
    free(d->losses);
    for (int i = 0; i < d->ntrainables; i++)
        free(d->trainables[i].name);
    free(d->trainables);
    free(d->train_lo);
    free(d->train_hi);
    free(d->train_scale);
    ms_train_cards_free(d);
    ms_meas_defs_free(d);
    ms_source_free(&d->src);
    memset(d, 0, sizeof *d);
}
