/* stamp.c — see stamp.h. */
#include "stamp.h"

#include <string.h>

int ms_parse_nodes(MsElab *el, const MsCard *c, int count, int *nodes)
{
    for (int i = 0; i < count; i++) {
        if (1 + i >= c->ntok)
            return ms_elab_error(el, MS_ERR_SYNTAX, &c->tok[c->ntok - 1], "%s needs %d nodes, found %d",
                                 c->tok[0].s, count, i);
        int rc = ms_elab_node(el, &c->tok[1 + i], &nodes[i]);
        if (rc)
            return rc;
    }
    return MS_OK;
}

int ms_parse_value(MsElab *el, const MsCard *c, int at, const char *key, double *v, int *next)
{
    const MsToken *tk = c->tok;
    if (at >= c->ntok)
        return ms_elab_error(el, MS_ERR_SYNTAX, &tk[c->ntok - 1], "%s needs a value", tk[0].s);
    if (tk[at].kind == TK_WORD && at + 1 < c->ntok && tk[at + 1].kind == TK_EQ) {
        if (strcmp(tk[at].s, key))
            return ms_elab_error(el, MS_ERR_SYNTAX, &tk[at], "%s needs a value before '%s='", tk[0].s, tk[at].s);
        if (at + 2 >= c->ntok)
            return ms_elab_error(el, MS_ERR_SYNTAX, &tk[at + 1], "value expected after '%s='", key);
        at += 2;
    }
    *next = at + 1;
    return ms_elab_value(el, &tk[at], v);
}

int ms_parse_ic_option(MsElab *el, const MsCard *c, int at, const char *what, double *ic, int *has_ic)
{
    for (; at < c->ntok; at += 3) {
        if (!(at + 2 < c->ntok && ms_tok_is(&c->tok[at], "ic") && c->tok[at + 1].kind == TK_EQ))
            return ms_elab_error(el, MS_ERR_UNSUPPORTED, &c->tok[at], "unsupported %s argument '%s'", what,
                                 c->tok[at].s);
        int rc = ms_elab_value(el, &c->tok[at + 2], ic);
        if (rc)
            return rc;
        *has_ic = 1;
    }
    return MS_OK;
}
