/* elab_print.c — the {expr} vectors of .print and .save (Xyce's syntax):
 * each is compiled once, at the top level, to a tape that the output
 * writer evaluates at every point (solver/op.c).  V(node) must name a node
 * the circuit has (a new name would add a floating node); I(name) is
 * resolved with the saved vectors (solver/circuit.c). */
#include "elab_internal.h"
#include "tape.h"

#include <stdlib.h>
#include <string.h>

typedef struct PrintNodes {
    MsElab *el;
    Scope *top;
    MsLoc loc;
    const char *text;
} PrintNodes;

static int existing_node(void *user, const char *name, int *unk, MsError *err)
{
    PrintNodes *pn = user;
    *unk = ms_elab_existing_node(pn->el, pn->top, name);   /* (ground 0; Xyce's x1:b too) */
    if (*unk < 0)
        return ms_err_at(err, MS_ERR_SEMANTIC, pn->loc, "unknown node '%s' in '{%s}'", name, pn->text);
    return MS_OK;
}

static char *branch_name(void *user, const char *name)
{
    (void)user;
    return ms_strdup(name);
}

static int compile_refs(MsElab *el, Scope *top, MsVecRef *refs, int n)
{
    for (int i = 0; i < n; i++) {
        MsVecRef *r = &refs[i];
        if (!r->expr)
            continue;
        MsExpr *e;
        int rc = ms_expr_parse(r->expr, r->loc, &e, el->err);
        if (rc)
            return rc;
        ScopeEnv env;
        ms_scope_env(&env, el, top, r->loc, r->expr);
        PrintNodes pn = {el, top, r->loc, r->expr};
        MsCompileEnv ce = {&env.base, existing_node, branch_name, NULL, &pn};
        rc = ms_expr_compile(e, r->expr, r->loc, &ce, &r->tape, el->err);
        ms_expr_free(e);
        if (rc)
            return rc;
    }
    return MS_OK;
}

int ms_elab_print_exprs(MsElab *el, Scope *top)
{
    MsDeck *d = &el->c->deck;
    int rc = compile_refs(el, top, d->saves, d->nsaves);
    return rc ? rc : compile_refs(el, top, d->prints, d->nprints);
}
