/* elaborate.c — see elaborate.h.
 *
 * Parameters are looked up through a chain of scopes: the subcircuit
 * instance's own (params: defaults, overridden per instance, then .param),
 * then the scope that instantiated it, up to the top level.  Values are
 * computed on first use, so forward references work and cycles are caught. */
#include "elab_internal.h"
#include "number.h"
#include "../devices/registry.h"
#include "../util/limits.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int env_lookup(MsExprEnv *env, const char *name, double *v, MsError *err)
{
    ScopeEnv *se = (ScopeEnv *)env;
    (void)err;   /* se->el->err is the same */
    ScopeParam *p;
    int rc = ms_elab_find_param(se->el, se->scope, name, &p);
    if (rc > 0)
        *v = p->value;
    /* .temp (ngspice: temper, Xyce: temp), unless a .param has the name */
    if (rc == 0 && (!strcmp(name, "temper") || !strcmp(name, "temp"))) {
        *v = se->el->c->deck.temp;
        rc = 1;
    }
    return rc;
}

double ms_elab_temp(const MsElab *el) { return el->c->deck.temp; }

void ms_elab_notice_once(MsElab *el, const MsCard *c, const char *text)
{
    const MsSource *src = &el->c->deck.src;
    if (el->noticed == c || !src->notice)   /* every instance of a model reads its card again */
        return;
    el->noticed = c;
    char *msg = ms_asprintf("%s:%d: %s", c->tok[0].loc.file ? c->tok[0].loc.file : "netlist", c->tok[0].loc.line, text);
    src->notice(msg, src->notice_user);
    free(msg);
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

void ms_scope_env(ScopeEnv *env, MsElab *el, Scope *s, MsLoc loc, const char *text)
{
    *env = (ScopeEnv){{env_lookup, env_func, NULL, loc, text}, el, s};
}

ScopeEnv *ms_scope_env_new(MsElab *el, Scope *s, MsLoc loc, const char *text)
{
    ScopeEnv *env = ms_malloc(sizeof *env);
    ms_scope_env(env, el, s, loc, text);
    return env;
}

static int eval_in(MsElab *el, Scope *s, const MsExpr *e, MsLoc loc, const char *text, double *v)
{
    ScopeEnv env;
    ms_scope_env(&env, el, s, loc, text);
    return ms_expr_eval(e, &env.base, v, el->err);
}

/* A .param's (or params: default's) value, and whether it depends on a
 * trainable .param (then the value is the tape's, as everywhere it is used). */
static int eval_param(MsElab *el, Scope *s, ScopeParam *p)
{
    const MsParamDef *d = p->def;
    int rc = eval_in(el, s, d->expr, d->loc, d->text, &p->value);
    if (rc || !el->ntrain)
        return rc;
    MsTape *t;
    double v;
    if ((rc = ms_elab_dep_tape(el, s, d->expr, d->loc, d->text, &t, &v)) || !t)
        return rc;
    if (p->train >= 0) {
        rc = ms_err_at(el->err, MS_ERR_SEMANTIC, d->loc,
                       "trainable parameter '%s' is defined from trainable parameter '%s': train one of them",
                       d->name, ms_elab_tape_param_name(el, t));
    } else {
        p->dep = 1;
        p->value = v;
        p->env = ms_scope_env_new(el, s, d->loc, d->text);
    }
    ms_tape_free(t);
    return rc;
}

/* Parameters are evaluated when first used, so a definition that uses the
 * next one, which uses the next, ... recurses: bounded, with a message. */
int ms_elab_find_param(MsElab *el, Scope *s, const char *name, ScopeParam **out)
{
    for (; s; s = s->parent) {
        int i;
        if (!ms_map_get(&s->param_index, name, &i))
            continue;
        ScopeParam *p = &s->params[i];
        if (p->state == 1)
            return ms_err_at(el->err, MS_ERR_SEMANTIC, p->def->loc,
                             "parameter '%s' depends on itself (cycle in .param definitions)", name);
        if (p->state == 0) {
            if (el->param_depth >= MS_MAX_PARAM_DEPTH)
                return ms_err_at(el->err, MS_ERR_SEMANTIC, p->def->loc,
                                 "parameter '%s' is defined from a chain of more than " MS_STR(MS_MAX_PARAM_DEPTH)
                                 " parameters defined later: define them in order", name);
            p->state = 1;
            el->param_depth++;
            int rc = eval_param(el, s, p);
            el->param_depth--;
            if (rc)
                return rc;
            p->state = 2;
        }
        *out = p;
        return 1;
    }
    return 0;
}

static void param_free(ScopeParam *p)
{
    ms_expr_free(p->own);
    free(p->env);
}

/* Add (or, for a later definition in the same scope, replace) a parameter;
 * own and env (dependent overrides) are taken over. */
static void scope_add_param(Scope *s, const char *name, const MsParamDef *def, double value, int known, MsExpr *own,
                            ScopeEnv *env)
{
    ScopeParam p = {def, value, known ? 2 : 0, -1, own != NULL, own, env};
    int i;
    if (ms_map_get(&s->param_index, name, &i)) {
        param_free(&s->params[i]);
        s->params[i] = p;
        return;
    }
    MS_RESERVE_NEXT(s->params, s->nparams);
    MS_RESERVE_NEXT(s->param_names, s->nparams);
    ms_map_put(&s->param_index, name, s->nparams);
    s->params[s->nparams] = p;
    s->param_names[s->nparams++] = name;
}

static void scope_free(Scope *s)
{
    free(s->prefix);
    free(s->port_names);
    free(s->port_nodes);
    for (int i = 0; i < s->nparams; i++)
        param_free(&s->params[i]);
    free(s->params);
    free(s->param_names);
    ms_map_free(&s->param_index);
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
    int k;
    if (c->node_index_built)
        return ms_map_get(&c->node_index, name, &k) ? k : -1;
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

/* The unknown of a node named in scope s: created on first use, or -1
 * where it does not exist and create is 0. */
static int node_in_scope(MsElab *el, Scope *s, const char *name, int create)
{
    if (is_ground(name))
        return 0;
    for (int i = 0; i < s->nports; i++)
        if (!strcmp(s->port_names[i], name))
            return s->port_nodes[i];
    int global = ms_map_get(&el->c->deck.globals, name, NULL);
    char *full = global || !s->prefix[0] ? NULL : ms_asprintf("%s%s", s->prefix, name);
    const char *key = full ? full : name;   /* (the top level: the name itself) */
    int node;
    if (!ms_map_get(&el->nodes, key, &node)) {
        node = create ? ms_circuit_add_unknown(el->c, key, MS_UNK_NODE) : -1;
        if (create)
            ms_map_put(&el->nodes, key, node);
    }
    free(full);
    return node;
}

static int node_by_name(MsElab *el, const char *name) { return node_in_scope(el, el->scope, name, 1); }

int ms_elab_existing_node(MsElab *el, Scope *s, const char *name)
{
    int node = node_in_scope(el, s, name, 0);
    if (node < 0 && strchr(name, ':')) {   /* Xyce's hierarchy separator */
        char *dotted = ms_dotted_name(name);
        node = node_in_scope(el, s, dotted, 0);
        free(dotted);
    }
    return node;
}

int ms_elab_node(MsElab *el, const MsToken *t, int *node)
{
    if (t->kind != TK_WORD)
        return ms_elab_error(el, MS_ERR_SYNTAX, t, "node name expected, found '%s'", t->s);
    *node = node_by_name(el, t->s);
    return MS_OK;
}

int ms_elab_compile_node(void *user, const char *name, int *unk, MsError *err)
{
    (void)err;
    *unk = node_by_name(user, name);
    return MS_OK;
}

char *ms_elab_compile_branch(void *user, const char *name)
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
    ScopeEnv env;
    ms_scope_env(&env, el, el->scope, loc, text);
    /* trainable .params become tape inputs; without any, every parameter folds */
    MsCompileEnv ce = {&env.base, ms_elab_compile_node, ms_elab_compile_branch,
                       el->ntrain ? ms_elab_param_input : NULL, el};
    rc = ms_expr_compile(e, text, loc, &ce, tape, el->err);
    ms_expr_free(e);
    return rc;
}

/* Value of token t (number, {expr}, 'expr' or parameter name) in scope s.
 * *tape: the value as a tape of the trainable .params when it reads one
 * (else NULL); then *keep (if not NULL) gets the parse tree. */
static int token_value(MsElab *el, Scope *s, const MsToken *t, double *v, MsTape **tape, MsExpr **keep)
{
    *tape = NULL;
    if (keep)
        *keep = NULL;
    if (t->kind == TK_WORD && ms_is_number(t->s, v) == 1)
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
    rc = eval_in(el, s, e, t->loc, t->s, v);
    if (rc == MS_OK && el->ntrain)
        rc = ms_elab_dep_tape(el, s, e, t->loc, t->s, tape, v);
    if (rc == MS_OK && *tape && keep) {
        *keep = e;
        e = NULL;
    }
    ms_expr_free(e);
    return rc;
}

/* A value for a device (key: its parameter name, or NULL).  While an
 * instance is parsed the value is recorded, so that the values computed
 * from trainable .params are found (ms_elab_resolve_writes). */
static int device_value(MsElab *el, const MsToken *t, double *v, const char *key)
{
    MsTape *tape;
    int rc = token_value(el, el->scope, t, v, &tape, NULL);
    if (rc || !el->ntrain)
        return rc;
    if (el->cur_group >= 0) {
        ms_elab_record(el, v, tape, t, key, *v);
        return MS_OK;
    }
    if (!tape)
        return MS_OK;
    rc = ms_elab_error(el, MS_ERR_SEMANTIC, t,
                       "'%s' depends on the trainable parameter '%s': only element values and device parameters may",
                       t->s, ms_elab_tape_param_name(el, tape));
    ms_tape_free(tape);
    return rc;
}

int ms_elab_value(MsElab *el, const MsToken *t, double *v) { return device_value(el, t, v, NULL); }

double ms_elab_seed(const MsElab *el) { return el->c->opt.seed; }
long *ms_elab_noise_values(MsElab *el) { return &el->noise_values; }

char *ms_elab_ref(MsElab *el, const MsToken *t) { return ms_asprintf("%s%s", el->scope->prefix, t->s); }

const MsModelDef *ms_elab_find_model(MsElab *el, const char *name)
{
    for (const MsSubckt *d = el->scope->def; d; d = d->parent)
        for (int i = 0; i < d->nmodels; i++)
            if (!strcmp(d->models[i].name, name))
                return &d->models[i];
    return NULL;
}

const void *ms_elab_model_kept(MsElab *el, const MsModelDef *md, size_t size)
{
    return el->kept_model == md && el->kept_size == size ? el->kept : NULL;
}

void ms_elab_model_keep(MsElab *el, const MsModelDef *md, const void *reading, size_t size)
{
    const MsToken *tk = md->card->tok;
    for (int i = md->first; i < md->last; i++)
        if (tk[i].kind == TK_EXPR || (tk[i].kind == TK_EQ && (i + 1 >= md->last || ms_is_number(tk[i + 1].s, NULL) != 1)))
            return;   /* a value that may read .params (or temper): it may differ between scopes */
    if (el->kept_size != size) {
        free(el->kept);
        el->kept = ms_malloc(size);
    }
    memcpy(el->kept, reading, size);
    el->kept_model = md;
    el->kept_size = size;
}

int ms_elab_model(MsElab *el, const MsToken *t, const char *type, const MsModelDef **m)
{
    const MsModelDef *found = ms_elab_find_model(el, t->s);
    if (!found)
        return ms_elab_error(el, MS_ERR_SEMANTIC, t, "unknown model '%s'", t->s);
    if (type && strcmp(found->type, type))
        return ms_elab_error(el, MS_ERR_SEMANTIC, t, "model '%s' is of type '%s', expected '%s'", t->s,
                             found->type, type);
    *m = found;
    return MS_OK;
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
        int k = 0;   /* (the first letters first: every cell of a crossbar reads its model card) */
        while (desc[k].name && (desc[k].name[0] != tk[i].s[0] || strcmp(desc[k].name, tk[i].s)))
            k++;
        if (!desc[k].name)
            return ms_elab_error(el, MS_ERR_SEMANTIC, &tk[i], "unknown parameter '%s'", tk[i].s);
        int rc = device_value(el, &tk[i + 2], (double *)((char *)base + desc[k].offset), desc[k].name);
        if (rc)
            return rc;
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
        scope_add_param(s, s->def->params[i].name, &s->def->params[i], 0, 0, NULL, NULL);
}

/* Where an X card's parameters start: the subcircuit name is the last word
 * before "params:" or the first name=value. */
static int x_params_start(const MsCard *c)
{
    for (int k = 1; k < c->ntok; k++)
        if (ms_tok_is(&c->tok[k], "params:") || (k + 1 < c->ntok && c->tok[k + 1].kind == TK_EQ))
            return k;
    return c->ntok;
}

/* How many elements an instance of def flattens to, counted before anything
 * is expanded: subcircuits that each instantiate the next twice, 40 deep,
 * would be 2^40.  Memoised per definition (in_progress marks a cycle, which
 * expand_x reports). */
typedef struct FlatCount {
    MsMap index;      /* definition (as "%p") -> slot */
    double *n;        /* elements, or -1 while being counted */
    int count;
} FlatCount;

static double flat_size(FlatCount *fc, const MsSubckt *def)
{
    char key[32];
    snprintf(key, sizeof key, "%p", (const void *)def);
    int slot;
    if (ms_map_get(&fc->index, key, &slot))
        return fc->n[slot] < 0 ? 0 : fc->n[slot];
    slot = fc->count;
    MS_RESERVE_NEXT(fc->n, fc->count);
    fc->n[fc->count++] = -1;
    ms_map_put(&fc->index, key, slot);
    double total = 0;
    for (int i = 0; i < def->nelems; i++) {
        const MsCard *c = def->elems[i];
        if (c->tok[0].s[0] != 'x') {
            total += 1;
            continue;
        }
        int ni = x_params_start(c) - 1;
        if (ni >= 1 && c->tok[ni].kind == TK_WORD) {
            const MsSubckt *sub = find_subckt(def, c->tok[ni].s);
            total += sub ? flat_size(fc, sub) : 0;
        }
    }
    fc->n[slot] = total;
    return total;
}

/* The error names the top-level instance that expands the most. */
static int check_flat_size(MsElab *el, const MsSubckt *top)
{
    FlatCount fc = {0};
    double n = flat_size(&fc, top), most = -1;
    const MsCard *worst = NULL;
    for (int i = 0; i < top->nelems && n > MS_MAX_ELEMENTS; i++) {
        const MsCard *c = top->elems[i];
        int ni = x_params_start(c) - 1;
        const MsSubckt *sub = c->tok[0].s[0] == 'x' && ni >= 1 ? find_subckt(top, c->tok[ni].s) : NULL;
        if (sub && flat_size(&fc, sub) > most) {
            most = flat_size(&fc, sub);
            worst = c;
        }
    }
    ms_map_free(&fc.index);
    free(fc.n);
    if (n <= MS_MAX_ELEMENTS)
        return MS_OK;
    return ms_err_at(el->err, MS_ERR_SEMANTIC, (worst ? worst : top->elems[0])->tok[0].loc,
                     "the circuit flattens to %.3g elements, more than the limit of %ld "
                     "(subcircuits instantiating subcircuits many times over?)", n, MS_MAX_ELEMENTS);
}

static int expand_x(MsElab *el, const MsCard *c)
{
    const MsToken *tk = c->tok;
    Scope *s = el->scope;
    int end = x_params_start(c);
    int ni = end - 1;
    if (ni < 1 || tk[ni].kind != TK_WORD)
        return ms_elab_error(el, MS_ERR_SYNTAX, &tk[0], "%s", "subcircuit instance expects: Xname nodes... subckt [params]");
    const MsSubckt *def = find_subckt(s->def, tk[ni].s);
    if (!def)
        return ms_elab_error(el, MS_ERR_SEMANTIC, &tk[ni], "unknown subcircuit '%s'", tk[ni].s);
    if (ni - 1 < def->nrequired || ni - 1 > def->nports)
        return ms_elab_error(el, MS_ERR_SEMANTIC, &tk[0], "%s connects %d nodes but subcircuit '%s' has %d ports%s",
                             tk[0].s, ni - 1, def->name, def->nports,
                             def->nrequired < def->nports ? " (some optional)" : "");
    if (s->depth >= MS_MAX_SUBCKT_DEPTH)
        return ms_elab_error(el, MS_ERR_SEMANTIC, &tk[0], "subcircuits nested more than %d deep (recursive subcircuit '%s'?)",
                             MS_MAX_SUBCKT_DEPTH, def->name);
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
        if (k < ni - 1)
            rc = ms_elab_node(el, &tk[1 + k], &sub.port_nodes[k]);
        else   /* an optional port left out: its default node, named in the instantiating scope */
            sub.port_nodes[k] = node_by_name(el, def->port_defaults[k]);
    }
    for (int k = 0; k < def->ndefaults; k++)
        scope_add_param(&sub, def->defaults[k].name, &def->defaults[k], 0, 0, NULL, NULL);
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
        MsTape *tape;
        MsExpr *keep;
        rc = token_value(el, s, &tk[k + 2], &v, &tape, &keep);
        if (rc == MS_OK)
            scope_add_param(&sub, tk[k].s, NULL, v, 1, keep,
                            tape ? ms_scope_env_new(el, s, tk[k + 2].loc, tk[k + 2].s) : NULL);
        ms_tape_free(tape);
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
    el->cur_group = (int)(g - el->c->groups);
    el->cur_inst = g->n - 1;
    int rc = type->parse(el, c, inst);
    if (rc == MS_OK && el->ntrain)
        rc = ms_elab_resolve_writes(el, inst);
    ms_elab_clear_writes(el);
    el->cur_group = -1;
    return rc;
}

/* The node of an .ic or .nodeset entry, named in scope s, or an error naming it. */
static int entry_node(MsElab *el, Scope *s, const MsIcDef *d, const char *card, int *node)
{
    *node = ms_elab_existing_node(el, s, d->node);
    if (*node > 0)
        return MS_OK;
    return ms_err_at(el->err, MS_ERR_SEMANTIC, d->loc, "%s names %s node '%s'%s%s", card,
                     *node == 0 ? "the ground" : "an unknown", d->node, s->def->name ? " of subcircuit " : "",
                     s->def->name ? s->def->name : "");
}

/* The .ic cards of an instance's definition, its nodes and values read in
 * its scope (ngspice's subcircuit .ic). */
static int instance_ics(MsElab *el, Scope *s)
{
    for (int i = 0; i < s->def->nics; i++) {
        const MsIcDef *ic = &s->def->ics[i];
        int node, rc = entry_node(el, s, ic, ".ic", &node);
        if (rc)
            return rc;
        double v;
        MsTape *tape = NULL;
        rc = eval_in(el, s, ic->expr, ic->loc, "ic", &v);
        if (rc == MS_OK && el->ntrain)
            rc = ms_elab_dep_tape(el, s, ic->expr, ic->loc, "ic", &tape, &v);
        if (rc == MS_OK && tape)
            rc = ms_err_at(el->err, MS_ERR_UNSUPPORTED, ic->loc, "%s",
                           "an .ic inside a subcircuit may not depend on a trainable .param (put it at the top level)");
        ms_tape_free(tape);
        if (rc)
            return rc;
        MS_RESERVE_NEXT(el->c->ics, el->c->nics);
        el->c->ics[el->c->nics++] = (MsIc){node, 0, v};
    }
    return MS_OK;
}

static int expand_scope(MsElab *el, Scope *s)
{
    for (int i = 0; i < s->def->nelems; i++) {
        const MsCard *c = s->def->elems[i];
        int rc = c->tok[0].s[0] == 'x' ? expand_x(el, c) : add_instance(el, c);
        if (rc)
            return rc;
    }
    return instance_ics(el, s);
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
    if (v[1] <= 0)
        return ms_elab_error(el, MS_ERR_SYNTAX, &c->tok[2], "%s", ".tran tstop must be positive");
    if (v[2] >= v[1])
        return ms_elab_error(el, MS_ERR_SYNTAX, &c->tok[3], "%s", ".tran tstart must be less than tstop");
    if (v[0] == 0) {
        /* Xyce: tstep 0 lets the simulator choose; ngspice's bound on the step without tstep's
         * part, (tstop - tstart) / 50, as tstep (so the largest step, unless tmax is given) */
        v[0] = (v[1] - v[2]) / 50;
        if (d->src.notice) {
            char *msg = ms_asprintf("%s:%d: .tran tstep 0: tstep = (tstop - tstart) / 50 = %g s", c->tok[1].loc.file ?
                                    c->tok[1].loc.file : "netlist", c->tok[1].loc.line, v[0]);
            d->src.notice(msg, d->src.notice_user);
            free(msg);
        }
    }
    /* training and the adjoint size their arrays from tstop / tstep; an
     * adaptive run takes at least tstop over its largest step */
    if (!(v[1] / v[0] <= MS_MAX_STEPS))
        return ms_elab_error(el, MS_ERR_SEMANTIC, &c->tok[0], ".tran %g %g: tstop / tstep is %.3g, more than the limit of %ld steps",
                             v[0], v[1], v[1] / v[0], MS_MAX_STEPS);
    double hmax = v[3] > 0 ? v[3] : d->opt.maxstep;
    if (hmax > 0 && !(v[1] / hmax <= MS_MAX_STEPS))
        return ms_elab_error(el, MS_ERR_SEMANTIC, &c->tok[0], ".tran to %g s in steps of at most %g s (%s) takes %.3g steps, "
                             "more than the limit of %ld", v[1], hmax, v[3] > 0 ? "tmax" : ".options maxstep",
                             v[1] / hmax, MS_MAX_STEPS);
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
        int node, rc = entry_node(el, top, &d->ics[i], ".ic", &node);
        if (rc)
            return rc;
        double v;
        MsTape *tape = NULL;
        rc = eval_in(el, top, d->ics[i].expr, d->ics[i].loc, "ic", &v);
        if (rc == MS_OK && el->ntrain)
            rc = ms_elab_dep_tape(el, top, d->ics[i].expr, d->ics[i].loc, "ic", &tape, &v);
        if (rc) {
            ms_tape_free(tape);
            return rc;
        }
        if (tape) {   /* an .ic value computed from trainable .params */
            MS_RESERVE_NEXT(c->deps, c->ndeps);
            c->deps[c->ndeps++] = (MsParamDep){-1, c->nics, -1, tape, v, NULL, 0};
        }
        MS_RESERVE_NEXT(c->ics, c->nics);
        c->ics[c->nics++] = (MsIc){node, 0, v};
    }
    for (int i = 0; i < d->nnodesets; i++) {   /* a first guess only: no gradient flows through it */
        double v;
        int node, rc = entry_node(el, top, &d->nodesets[i], ".nodeset", &node);
        if (rc == MS_OK)
            rc = eval_in(el, top, d->nodesets[i].expr, d->nodesets[i].loc, "nodeset", &v);
        if (rc)
            return rc;
        MS_RESERVE_NEXT(c->nodesets, c->nnodesets);
        c->nodesets[c->nnodesets++] = (MsIc){node, 0, v};
    }
    return MS_OK;
}

int ms_elaborate(MsCircuit *c, MsError *err)
{
    MsElab el = {0};
    el.c = c;
    el.err = err;
    el.cur_group = -1;
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
    int rc = ms_elab_train_init(&el, &top);
    /* evaluate every top-level .param so that errors show even if unused */
    for (int i = 0; i < top.nparams && rc == MS_OK; i++) {
        ScopeParam *p;
        rc = ms_elab_find_param(&el, &top, top.param_names[i], &p) < 0 ? err->code : MS_OK;
    }
    for (int j = 0; j < el.ntrain && rc == MS_OK; j++) {
        ScopeParam *p;
        ms_elab_find_param(&el, &top, c->train[j].name, &p);
        c->train[j].value = p->value;
    }
    if (rc == MS_OK)
        rc = eval_tran(&el);
    if (rc == MS_OK)
        rc = ms_elab_meas_params(&el, &top);
    if (rc == MS_OK)
        rc = ms_elab_ac_card(&el);
    if (rc == MS_OK)
        rc = check_flat_size(&el, top.def);
    if (rc == MS_OK)
        rc = expand_scope(&el, &top);
    if (rc == MS_OK)
        rc = ms_elab_dc(&el);
    if (rc == MS_OK)
        rc = resolve_ics(&el, &top);
    if (rc == MS_OK)
        rc = ms_elab_print_exprs(&el, &top);
    if (rc == MS_OK)
        rc = ms_elab_train_check(&el);
    ms_elab_clear_writes(&el);
    free(el.writes);
    free(el.kept);
    scope_free(&top);
    ms_map_free(&el.nodes);
    ms_map_free(&el.inst_names);
    return rc;
}
