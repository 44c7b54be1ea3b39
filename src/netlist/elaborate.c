/* elaborate.c — see elaborate.h.
 *
 * Parameters are looked up through a chain of scopes: the subcircuit
 * instance's own (params: defaults, overridden per instance, then .param),
 * then the scope that instantiated it, up to the top level.  Values are
 * computed on first use, so forward references work and cycles are caught. */
#include "elaborate.h"
#include "number.h"
#include "../devices/registry.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SUBCKT_DEPTH 64

typedef struct ScopeParam {
    const MsParamDef *def;   /* NULL when the value was given by the instance */
    double value;
    int state;               /* 0 not yet evaluated, 1 being evaluated, 2 known */
} ScopeParam;

typedef struct Scope {
    const MsSubckt *def;
    struct Scope *parent;
    char *prefix;            /* "" or "x1.x2." */
    char **port_names;       /* local port names -> global node indices */
    int *port_nodes;
    int nports;
    ScopeParam *params;
    const char **param_names;
    int nparams;
    int depth;
} Scope;

struct MsElab {
    MsCircuit *c;
    MsError *err;
    Scope *scope;
    MsMap nodes;             /* flattened node name -> unknown index */
    MsMap inst_names;        /* to reject duplicates */
};

typedef struct ScopeEnv {
    MsExprEnv base;
    MsElab *el;
    Scope *scope;
} ScopeEnv;

static int scope_lookup(MsElab *el, Scope *s, const char *name, double *v, MsError *err);

static int env_lookup(MsExprEnv *env, const char *name, double *v, MsError *err)
{
    ScopeEnv *se = (ScopeEnv *)env;
    return scope_lookup(se->el, se->scope, name, v, err);
}

static const MsExpr *env_func(MsExprEnv *env, const char *name, char ***args, int *nargs)
{
    ScopeEnv *se = (ScopeEnv *)env;
    for (Scope *s = se->scope; s; s = s->parent)
        for (int i = 0; i < s->def->nfuncs; i++)
            if (!strcmp(s->def->funcs[i].name, name)) {
                *args = s->def->funcs[i].args;
                *nargs = s->def->funcs[i].nargs;
                return s->def->funcs[i].body;
            }
    return NULL;
}

static int eval_in(MsElab *el, Scope *s, const MsExpr *e, MsLoc loc, const char *text, double *v)
{
    ScopeEnv env = {{env_lookup, env_func, NULL, loc, text}, el, s};
    return ms_expr_eval(e, &env.base, v, el->err);
}

static int scope_lookup(MsElab *el, Scope *s, const char *name, double *v, MsError *err)
{
    for (; s; s = s->parent) {
        for (int i = 0; i < s->nparams; i++) {
            if (strcmp(s->param_names[i], name))
                continue;
            ScopeParam *p = &s->params[i];
            if (p->state == 2) {
                *v = p->value;
                return 1;
            }
            if (p->state == 1)
                return ms_err_at(err, MS_ERR_SEMANTIC, p->def->loc,
                                 "parameter '%s' depends on itself (cycle in .param definitions)", name);
            p->state = 1;
            int rc = eval_in(el, s, p->def->expr, p->def->loc, p->def->text, &p->value);
            if (rc)
                return rc;
            p->state = 2;
            *v = p->value;
            return 1;
        }
    }
    return 0;
}

static void scope_add_param(Scope *s, const char *name, const MsParamDef *def, double value, int known)
{
    for (int i = 0; i < s->nparams; i++)
        if (!strcmp(s->param_names[i], name)) {
            /* a later definition in the same scope replaces an earlier one */
            s->params[i] = (ScopeParam){def, value, known ? 2 : 0};
            return;
        }
    s->params = ms_realloc(s->params, (size_t)(s->nparams + 1) * sizeof *s->params);
    s->param_names = ms_realloc(s->param_names, (size_t)(s->nparams + 1) * sizeof *s->param_names);
    s->params[s->nparams] = (ScopeParam){def, value, known ? 2 : 0};
    s->param_names[s->nparams++] = name;
}

static void scope_free(Scope *s)
{
    free(s->prefix);
    free(s->port_names);
    free(s->port_nodes);
    free(s->params);
    free(s->param_names);
}

int ms_circuit_add_unknown(MsCircuit *c, const char *name, int kind)
{
    int idx = ++c->n;
    MS_RESERVE_NEXT(c->unk_name, idx);
    MS_RESERVE_NEXT(c->unk_kind, idx);
    c->unk_name[idx] = ms_strdup(name);
    c->unk_kind[idx] = kind;
    return idx;
}

static int is_ground(const char *name) { return !strcmp(name, "0") || !strcmp(name, "gnd"); }

int ms_circuit_find_node(const MsCircuit *c, const char *name)
{
    if (is_ground(name))
        return 0;
    for (int i = 1; i <= c->n; i++)
        if (c->unk_kind[i] == MS_UNK_NODE && !strcmp(c->unk_name[i], name))
            return i;
    return -1;
}

/* ---- services for device parse() ---- */

int ms_elab_error(MsElab *el, int code, const MsToken *t, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ms_err_at(el->err, code, t->loc, "%s", msg);
}

/* The unknown of a node named in the current scope (created on first use). */
static int node_by_name(MsElab *el, const char *name)
{
    if (is_ground(name))
        return 0;
    Scope *s = el->scope;
    for (int i = 0; i < s->nports; i++)
        if (!strcmp(s->port_names[i], name))
            return s->port_nodes[i];
    char *full = ms_asprintf("%s%s", s->prefix, name);
    int node;
    if (!ms_map_get(&el->nodes, full, &node)) {
        node = ms_circuit_add_unknown(el->c, full, MS_UNK_NODE);
        ms_map_put(&el->nodes, full, node);
    }
    free(full);
    return node;
}

int ms_elab_node(MsElab *el, const MsToken *t, int *node)
{
    if (t->kind != TK_WORD)
        return ms_elab_error(el, MS_ERR_SYNTAX, t, "node name expected, found '%s'", t->s);
    *node = node_by_name(el, t->s);
    return MS_OK;
}

static int compile_node(void *user, const char *name, int *unk, MsError *err)
{
    (void)err;
    *unk = node_by_name(user, name);
    return MS_OK;
}

static char *compile_branch(void *user, const char *name)
{
    MsElab *el = user;
    return ms_asprintf("%s%s", el->scope->prefix, name);
}

int ms_elab_compile(MsElab *el, const char *text, MsLoc loc, MsTape **tape)
{
    MsExpr *e;
    int rc = ms_expr_parse(text, loc, &e, el->err);
    if (rc)
        return rc;
    ScopeEnv env = {{env_lookup, env_func, NULL, loc, text}, el, el->scope};
    MsCompileEnv ce = {&env.base, compile_node, compile_branch, el};
    rc = ms_expr_compile(e, text, loc, &ce, tape, el->err);
    ms_expr_free(e);
    return rc;
}

int ms_elab_value(MsElab *el, const MsToken *t, double *v)
{
    if (t->kind == TK_WORD && ms_is_number(t->s, v))
        return MS_OK;
    if (t->kind != TK_WORD && t->kind != TK_EXPR)
        return ms_elab_error(el, MS_ERR_SYNTAX, t, "value expected, found '%s'", t->s);
    MsExpr *e;
    int rc = ms_expr_parse(t->s, t->loc, &e, el->err);
    if (rc)
        return rc;
    if (ms_expr_is_behavioral(e)) {
        ms_expr_free(e);
        return ms_elab_error(el, MS_ERR_UNSUPPORTED, t,
                             "value '%s' depends on circuit quantities (V(), I() or time): "
                             "behavioral values are not supported here", t->s);
    }
    rc = eval_in(el, el->scope, e, t->loc, t->s, v);
    ms_expr_free(e);
    return rc;
}

char *ms_elab_ref(MsElab *el, const MsToken *t) { return ms_asprintf("%s%s", el->scope->prefix, t->s); }

int ms_elab_model(MsElab *el, const MsToken *t, const char *type, const MsModelDef **m)
{
    for (const MsSubckt *d = el->scope->def; d; d = d->parent)
        for (int i = 0; i < d->nmodels; i++)
            if (!strcmp(d->models[i].name, t->s)) {
                if (type && strcmp(d->models[i].type, type))
                    return ms_elab_error(el, MS_ERR_SEMANTIC, t, "model '%s' is of type '%s', expected '%s'",
                                         t->s, d->models[i].type, type);
                *m = &d->models[i];
                return MS_OK;
            }
    return ms_elab_error(el, MS_ERR_SEMANTIC, t, "unknown model '%s'", t->s);
}

void ms_params_default(const MsParamDesc *desc, void *base)
{
    for (; desc->name; desc++)
        *(double *)((char *)base + desc->offset) = desc->def;
}

int ms_elab_params(MsElab *el, const MsCard *c, int first, int last, const MsParamDesc *desc,
                   void *base, unsigned *given)
{
    const MsToken *tk = c->tok;
    for (int i = first; i < last; i++) {
        if (tk[i].kind == TK_COMMA)
            continue;
        if (tk[i].kind != TK_WORD || i + 1 >= last || tk[i + 1].kind != TK_EQ)
            return ms_elab_error(el, MS_ERR_SYNTAX, &tk[i], "name=value expected, found '%s'", tk[i].s);
        if (i + 2 >= last)
            return ms_elab_error(el, MS_ERR_SYNTAX, &tk[i + 1], "value expected after '%s='", tk[i].s);
        int k = 0;
        while (desc[k].name && strcmp(desc[k].name, tk[i].s))
            k++;
        if (!desc[k].name)
            return ms_elab_error(el, MS_ERR_SEMANTIC, &tk[i], "unknown parameter '%s'", tk[i].s);
        double v;
        int rc = ms_elab_value(el, &tk[i + 2], &v);
        if (rc)
            return rc;
        *(double *)((char *)base + desc[k].offset) = v;
        if (given)
            *given |= 1u << k;
        i += 2;
    }
    return MS_OK;
}

int ms_elab_source_id(MsElab *el, const char *name)
{
    MsCircuit *c = el->c;
    MS_RESERVE_NEXT(c->source_name, c->nsources);
    c->source_name[c->nsources] = ms_strdup(name);
    return c->nsources++;
}

void ms_elab_tran(MsElab *el, double *tstep, double *tstop)
{
    *tstep = el->c->deck.tran.tstep;
    *tstop = el->c->deck.tran.tstop;
}

/* ---- flattening ---- */

static MsDevGroup *group_for(MsCircuit *c, const MsDevType *t)
{
    for (int i = 0; i < c->ngroups; i++)
        if (c->groups[i].type == t)
            return &c->groups[i];
    c->groups = ms_realloc(c->groups, (size_t)(c->ngroups + 1) * sizeof *c->groups);
    MsDevGroup *g = &c->groups[c->ngroups++];
    memset(g, 0, sizeof *g);
    g->type = t;
    return g;
}

static const MsSubckt *find_subckt(const MsSubckt *from, const char *name)
{
    for (const MsSubckt *d = from; d; d = d->parent)
        for (int i = 0; i < d->nsubs; i++)
            if (!strcmp(d->subs[i]->name, name))
                return d->subs[i];
    return NULL;
}

static int expand_scope(MsElab *el, Scope *s);

static void scope_add_own_params(Scope *s)
{
    for (int i = 0; i < s->def->nparams; i++)
        scope_add_param(s, s->def->params[i].name, &s->def->params[i], 0, 0);
}

static int expand_x(MsElab *el, const MsCard *c)
{
    const MsToken *tk = c->tok;
    Scope *s = el->scope;
    /* the subcircuit name is the last word before "params:" or the first name=value */
    int end = c->ntok;
    for (int k = 1; k < c->ntok; k++)
        if (ms_tok_is(&tk[k], "params:") || (k + 1 < c->ntok && tk[k + 1].kind == TK_EQ)) {
            end = k;
            break;
        }
    int ni = end - 1;
    if (ni < 1 || tk[ni].kind != TK_WORD)
        return ms_elab_error(el, MS_ERR_SYNTAX, &tk[0], "%s", "subcircuit instance expects: Xname nodes... subckt [params]");
    const MsSubckt *def = find_subckt(s->def, tk[ni].s);
    if (!def)
        return ms_elab_error(el, MS_ERR_SEMANTIC, &tk[ni], "unknown subcircuit '%s'", tk[ni].s);
    if (ni - 1 != def->nports)
        return ms_elab_error(el, MS_ERR_SEMANTIC, &tk[0], "%s connects %d nodes but subcircuit '%s' has %d ports",
                             tk[0].s, ni - 1, def->name, def->nports);
    if (s->depth >= MAX_SUBCKT_DEPTH)
        return ms_elab_error(el, MS_ERR_SEMANTIC, &tk[0], "subcircuits nested more than %d deep (recursive subcircuit '%s'?)",
                             MAX_SUBCKT_DEPTH, def->name);
    Scope sub = {0};
    sub.def = def;
    sub.parent = s;
    sub.depth = s->depth + 1;
    sub.prefix = ms_asprintf("%s%s.", s->prefix, tk[0].s);
    sub.nports = def->nports;
    sub.port_names = ms_malloc((size_t)def->nports * sizeof *sub.port_names);
    sub.port_nodes = ms_malloc((size_t)def->nports * sizeof *sub.port_nodes);
    int rc = MS_OK;
    for (int k = 0; k < def->nports && rc == MS_OK; k++) {
        sub.port_names[k] = def->ports[k];
        rc = ms_elab_node(el, &tk[1 + k], &sub.port_nodes[k]);
    }
    for (int k = 0; k < def->ndefaults; k++)
        scope_add_param(&sub, def->defaults[k].name, &def->defaults[k], 0, 0);
    /* instance overrides, evaluated in the instantiating scope */
    int k = end + (end < c->ntok && ms_tok_is(&tk[end], "params:") ? 1 : 0);
    for (; k < c->ntok && rc == MS_OK; k++) {
        if (tk[k].kind == TK_COMMA)
            continue;
        if (k + 2 >= c->ntok || tk[k].kind != TK_WORD || tk[k + 1].kind != TK_EQ) {
            rc = ms_elab_error(el, MS_ERR_SYNTAX, &tk[k], "name=value expected, found '%s'", tk[k].s);
            break;
        }
        int known = 0;
        for (int d = 0; d < def->ndefaults; d++)
            known |= !strcmp(def->defaults[d].name, tk[k].s);
        if (!known) {
            rc = ms_elab_error(el, MS_ERR_SEMANTIC, &tk[k], "subcircuit '%s' has no parameter '%s'", def->name, tk[k].s);
            break;
        }
        double v;
        rc = ms_elab_value(el, &tk[k + 2], &v);
        if (rc == MS_OK)
            scope_add_param(&sub, tk[k].s, NULL, v, 1);
        k += 2;
    }
    if (rc == MS_OK) {
        scope_add_own_params(&sub);
        el->scope = &sub;
        rc = expand_scope(el, &sub);
        el->scope = s;
    }
    scope_free(&sub);
    return rc;
}

static int add_instance(MsElab *el, const MsCard *c)
{
    const MsToken *t0 = &c->tok[0];
    const MsDevType *type = ms_dev_for_card(c);
    if (!type)
        return ms_elab_error(el, MS_ERR_UNSUPPORTED, t0, "unsupported element '%s'", t0->s);
    /* Xyce's Y devices name the kind first: "YMEMRISTOR m1 a b model" is m1 */
    const MsToken *nt = t0->s[0] == 'y' && c->ntok > 1 ? &c->tok[1] : t0;
    char *name = ms_asprintf("%s%s", el->scope->prefix, nt->s);
    if (ms_map_get(&el->inst_names, name, NULL)) {
        int rc = ms_elab_error(el, MS_ERR_SEMANTIC, t0, "duplicate element name '%s'", name);
        free(name);
        return rc;
    }
    ms_map_put(&el->inst_names, name, 1);
    MsDevGroup *g = group_for(el->c, type);
    if (g->n == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 16;
        g->inst = ms_realloc(g->inst, (size_t)g->cap * type->inst_size);
    }
    void *inst = ms_group_inst(g, g->n);
    memset(inst, 0, type->inst_size);
    MsInstHead *h = inst;
    h->name = name;
    h->loc = t0->loc;
    g->n++;   /* counted before parse so the name is freed with the circuit on error */
    return type->parse(el, c, inst);
}

static int expand_scope(MsElab *el, Scope *s)
{
    for (int i = 0; i < s->def->nelems; i++) {
        const MsCard *c = s->def->elems[i];
        int rc = c->tok[0].s[0] == 'x' ? expand_x(el, c) : add_instance(el, c);
        if (rc)
            return rc;
    }
    return MS_OK;
}

/* .tran tstep tstop [tstart [tmax]] [uic], values evaluated at the top level. */
static int eval_tran(MsElab *el)
{
    MsDeck *d = &el->c->deck;
    const MsCard *c = d->tran_card;
    if (!c)
        return MS_OK;
    double v[4] = {0};
    int n = 0, rc;
    for (int i = 1; i < c->ntok; i++) {
        const MsToken *t = &c->tok[i];
        if (ms_tok_is(t, "uic")) {
            d->tran.uic = 1;
            continue;
        }
        if (n == 4)
            return ms_elab_error(el, MS_ERR_SYNTAX, t, "unexpected '%s' in .tran (tstep tstop [tstart [tmax]] [uic])", t->s);
        if ((rc = ms_elab_value(el, t, &v[n])))
            return rc;
        if (v[n] < 0)
            return ms_elab_error(el, MS_ERR_SYNTAX, t, ".tran values must not be negative, found '%s'", t->s);
        n++;
    }
    if (n < 2)
        return ms_elab_error(el, MS_ERR_SYNTAX, &c->tok[0], "%s", ".tran needs tstep and tstop");
    if (v[0] <= 0 || v[1] <= 0)
        return ms_elab_error(el, MS_ERR_SYNTAX, &c->tok[v[0] <= 0 ? 1 : 2], "%s", ".tran tstep and tstop must be positive");
    if (v[2] >= v[1])
        return ms_elab_error(el, MS_ERR_SYNTAX, &c->tok[3], "%s", ".tran tstart must be less than tstop");
    d->tran.tstep = v[0];
    d->tran.tstop = v[1];
    d->tran.tstart = v[2];
    d->tran.tmax = v[3];
    return MS_OK;
}

static int resolve_ics(MsElab *el, Scope *top)
{
    MsCircuit *c = el->c;
    MsDeck *d = &c->deck;
    for (int i = 0; i < d->nics; i++) {
        int node = ms_circuit_find_node(c, d->ics[i].node);
        if (node <= 0)
            return ms_err_at(el->err, MS_ERR_SEMANTIC, d->ics[i].loc, ".ic names %s node '%s'",
                             node == 0 ? "the ground" : "an unknown", d->ics[i].node);
        double v;
        int rc = eval_in(el, top, d->ics[i].expr, d->ics[i].loc, "ic", &v);
        if (rc)
            return rc;
        MS_RESERVE_NEXT(c->ics, c->nics);
        c->ics[c->nics++] = (MsIc){node, 0, v};
    }
    return MS_OK;
}

int ms_elaborate(MsCircuit *c, MsError *err)
{
    MsElab el = {c, err, NULL, {0}, {0}};
    ms_map_init(&el.nodes);
    ms_map_init(&el.inst_names);
    c->n = 0;
    c->unk_name = ms_malloc(sizeof *c->unk_name);
    c->unk_kind = ms_malloc(sizeof *c->unk_kind);
    c->unk_name[0] = ms_strdup("0");
    c->unk_kind[0] = MS_UNK_NODE;
    Scope top = {0};
    top.def = &c->deck.top;
    top.prefix = ms_strdup("");
    scope_add_own_params(&top);
    el.scope = &top;
    /* evaluate every top-level .param so that errors show even if unused */
    int rc = MS_OK;
    for (int i = 0; i < top.nparams && rc == MS_OK; i++) {
        double v;
        rc = scope_lookup(&el, &top, top.param_names[i], &v, err) < 0 ? err->code : MS_OK;
    }
    if (rc == MS_OK)
        rc = eval_tran(&el);
    if (rc == MS_OK)
        rc = expand_scope(&el, &top);
    if (rc == MS_OK)
        rc = resolve_ics(&el, &top);
    scope_free(&top);
    ms_map_free(&el.nodes);
    ms_map_free(&el.inst_names);
    return rc;
}
