/* elab_train.c — trainable .params during elaboration.
 *
 * A `.trainable` name that is a top-level .param makes that parameter an
 * independent variable of the gradient.  Elaboration then keeps track of
 * everything computed from it:
 *   - a parameter defined from it (.param, subcircuit params:, instance
 *     overrides) is marked dependent; expressions that read such a name
 *     compile its definition in its place (MsParamInput), down to the
 *     trainable .params themselves, which are tape inputs (TO_PARAM);
 *   - every value a device's parse() reads is recorded (ValueWrite); after
 *     the parse, a dependent value that landed in the instance's trainable
 *     value (value_ref) or a trainable parameter (param_at) becomes an
 *     MsParamDep holding the value's tape, so that set_param recomputes it
 *     and the adjoint differentiates it; a dependent value that landed
 *     anywhere else is an error naming the element and the line.
 * Behavioral elements need no records: their tapes read the inputs. */
#include "elab_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int top_param_index(const Scope *top, const char *name)
{
    for (int i = 0; i < top->nparams; i++)
        if (!strcmp(top->param_names[i], name))
            return i;
    return -1;
}

int ms_elab_train_init(MsElab *el, Scope *top)
{
    MsCircuit *c = el->c;
    const MsDeck *d = &c->deck;
    for (int i = 0; i < d->ntrainables; i++) {
        const MsVecRef *r = &d->trainables[i];
        int prefixed = !strncmp(r->name, "param:", 6);
        if (!prefixed && strchr(r->name, ':'))
            continue;   /* m1:ron */
        const char *name = prefixed ? r->name + 6 : r->name;
        int k = top_param_index(top, name);
        if (k < 0) {
            if (prefixed)
                return ms_err_at(el->err, MS_ERR_SEMANTIC, r->loc, ".trainable %s: no top-level .param named '%s'",
                                 r->name, name);
            continue;   /* an element (or unknown: ms_grad_setup says so) */
        }
        ScopeParam *p = &top->params[k];
        if (p->train >= 0)
            return ms_err_at(el->err, MS_ERR_SEMANTIC, r->loc, ".param '%s' is listed twice in .trainable", name);
        MS_RESERVE_NEXT(c->train, c->ntrain);
        c->train[c->ntrain] = (MsTrainParam){top->param_names[k], 0};
        p->train = c->ntrain++;
        p->dep = 1;
    }
    el->ntrain = c->ntrain;
    return MS_OK;
}

int ms_elab_train_check(MsElab *el)
{
    const MsDeck *d = &el->c->deck;
    for (int i = 0; i < d->ntrainables; i++) {
        const char *name = d->trainables[i].name;
        if (strchr(name, ':') || !ms_map_get(&el->inst_names, name, NULL))
            continue;
        for (int j = 0; j < el->c->ntrain; j++)
            if (!strcmp(el->c->train[j].name, name))
                return ms_err_at(el->err, MS_ERR_SEMANTIC, d->trainables[i].loc,
                                 ".trainable %s: '%s' is both an element and a .param: write param:%s for the "
                                 ".param, or rename the .param to train the element",
                                 name, name, name);
    }
    return MS_OK;
}

int ms_elab_param_input(void *user, MsExprEnv *env, const char *name, MsParamInput *in, MsError *err)
{
    (void)err;   /* the MsElab's */
    MsElab *el = user;
    ScopeEnv *se = (ScopeEnv *)env;   /* every env elaboration compiles in is a ScopeEnv */
    ScopeParam *p;
    int rc = ms_elab_find_param(el, se->scope, name, &p);
    if (rc <= 0 || !p->dep)
        return rc < 0 ? rc : 0;
    in->train = p->train;
    in->value = p->value;
    in->expr = p->def ? p->def->expr : p->own;
    in->env = p->env ? &p->env->base : NULL;
    return 1;
}

/* Names (parameters, .func calls) are what can bring a trainable .param in. */
static int mentions_names(const MsExpr *e)
{
    if (e->kind == EX_NAME || e->kind == EX_CALL)
        return 1;
    for (int i = 0; i < e->nargs; i++)
        if (mentions_names(e->args[i]))
            return 1;
    return 0;
}

int ms_elab_dep_tape(MsElab *el, Scope *s, const MsExpr *e, MsLoc loc, const char *text, MsTape **tape,
                     double *v)
{
    *tape = NULL;
    if (!el->ntrain || !mentions_names(e))
        return MS_OK;
    ScopeEnv env;
    ms_scope_env(&env, el, s, loc, text);
    MsCompileEnv ce = {&env.base, ms_elab_compile_node, ms_elab_compile_branch, ms_elab_param_input, el};
    MsTape *t;
    int rc = ms_expr_compile(e, text, loc, &ce, &t, el->err);
    if (rc)
        return rc;
    if (t->nvars == 0) {
        ms_tape_free(t);
        return MS_OK;
    }
    /* the value from the tape: the same function set_param evaluates */
    double *S = ms_malloc((ms_tape_scratch(t) + (size_t)t->nvars) * sizeof *S), x0 = 0;
    const char *what;
    rc = ms_tape_eval(t, &x0, 0, S + t->nvars, v, S, &what);
    free(S);
    if (rc) {
        ms_tape_free(t);
        return ms_err_at(el->err, MS_ERR_EVAL, loc, "%s in '%s'", what, text);
    }
    *tape = t;
    return MS_OK;
}

const char *ms_elab_tape_param_name(const MsElab *el, const MsTape *t)
{
    for (int k = 0; k < t->nvars; k++)
        if (t->vars[k].param >= 0)
            return el->c->train[t->vars[k].param].name;
    return "?";
}

void ms_elab_record(MsElab *el, double *dst, MsTape *tape, const MsToken *tok, const char *key, double value)
{
    ms_grow((void **)&el->writes, &el->cap_writes, (size_t)el->nwrites + 1, sizeof *el->writes);
    el->writes[el->nwrites++] = (ValueWrite){dst, tape, tok, key, value};
}

void ms_elab_clear_writes(MsElab *el)
{
    for (int i = 0; i < el->nwrites; i++)
        ms_tape_free(el->writes[i].tape);
    el->nwrites = 0;
}

/* -1: the instance's value; k >= 0: its trainable parameter k; -2: neither. */
static int slot_of(const MsDevType *type, void *inst, const double *p)
{
    if (type->value_ref && type->value_ref(inst) == p)
        return -1;
    int k = type->param_at ? type->param_at(inst, p) : -1;
    return k >= 0 ? k : -2;
}

static int not_differentiable(MsElab *el, const MsDevType *type, void *inst, const ValueWrite *w)
{
    const MsInstHead *h = inst;
    int has_value = type->value_ref && type->value_ref(inst);
    char why[200];
    if (has_value && type->param_at)
        snprintf(why, sizeof why, "a %s is differentiable only in its value (%s) and its trainable parameters",
                 type->name, type->value_name);
    else if (has_value)
        snprintf(why, sizeof why, "a %s is differentiable only in its value (%s)", type->name, type->value_name);
    else if (type->param_at)
        snprintf(why, sizeof why, "a %s is differentiable only in its trainable parameters (.trainable %s:NAME)",
                 type->name, h->name);
    else
        snprintf(why, sizeof why, "no value of this %s is differentiable", type->name);
    return ms_err_at(el->err, MS_ERR_SEMANTIC, w->tok->loc,
                     "%s: '%s%s%s' depends on the trainable parameter '%s', but %s", h->name, w->key ? w->key : "",
                     w->key ? "=" : "", w->tok->s, ms_elab_tape_param_name(el, w->tape), why);
}

int ms_elab_resolve_writes(MsElab *el, void *inst)
{
    MsCircuit *c = el->c;
    const MsDevType *type = c->groups[el->cur_group].type;
    uintptr_t base = (uintptr_t)inst;
    for (int i = 0; i < el->nwrites; i++) {
        ValueWrite *w = &el->writes[i];
        if (!w->tape)
            continue;
        int inside = (uintptr_t)w->dst - base < type->inst_size;
        int overwritten = 0, read_again = 0;
        for (int k = i + 1; k < el->nwrites; k++) {
            overwritten |= inside && el->writes[k].dst == w->dst;
            read_again |= el->writes[k].tok == w->tok;
        }
        if (overwritten)
            continue;   /* e.g. an instance parameter over its model's */
        int k = inside ? slot_of(type, inst, w->dst) : -2;
        if (k > -2) {
            if (*w->dst != w->value)
                continue;   /* the device replaced it (a stuck memristor's x0): no longer a function of it */
            MS_RESERVE_NEXT(c->deps, c->ndeps);
            c->deps[c->ndeps++] = (MsParamDep){el->cur_group, el->cur_inst, k, w->tape, w->value, NULL, 0};
            w->tape = NULL;
            continue;
        }
        if (read_again)
            continue;   /* a first look (a model card read once for its level) */
        return not_differentiable(el, type, inst, w);
    }
    return MS_OK;
}
