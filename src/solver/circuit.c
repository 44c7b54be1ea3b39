/* circuit.c — loading a circuit: parse, elaborate, set up, choose the saved
 * vectors; and freeing it. */
#include "circuit.h"
#include "loss.h"
#include "setup.h"
#include "param_deps.h"
#include "../netlist/elaborate.h"
#include "../netlist/ac_forms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_notice(const char *msg, void *user)
{
    (void)user;
    fprintf(stderr, "memspice: note: %s\n", msg);
}

static int append_save(MsCircuit *c, const char *name, int kind, int a, int b)
{
    MS_RESERVE_NEXT(c->saves, c->nsaves);
    c->saves[c->nsaves] = (MsSave){ms_strdup(name), kind, a, b, MS_SAVE_UNKNOWN, NULL};
    return c->nsaves++;
}

/* Append unless a vector of that name is saved already. */
static int add_save(MsCircuit *c, const MsSave *s)
{
    for (int i = 0; i < c->nsaves; i++)
        if (!strcmp(c->saves[i].name, s->name))
            return i;
    int k = append_save(c, s->name, s->kind, s->a, s->b);
    c->saves[k].derived = s->derived;
    c->saves[k].tape = s->tape;
    return k;
}

/* The vector `name` stands for (r: where it was written, and its name as written). */
static int signal_named(const MsCircuit *c, const char *name, const MsVecRef *r, MsSave *out, MsError *err)
{
    char a[256], b[256];
    *out = (MsSave){r->name, MS_VEC_VOLTAGE, 0, 0, MS_SAVE_UNKNOWN, NULL};
    if (sscanf(name, "v(%255[^,)],%255[^)])", a, b) == 2) {
        int na = ms_circuit_find_node(c, a), nb = ms_circuit_find_node(c, b);
        if (na < 0 || nb < 0)
            return ms_err_at(err, MS_ERR_SEMANTIC, r->loc, "unknown node '%s'", na < 0 ? a : b);
        out->a = na;
        out->b = nb;
        return MS_OK;
    }
    if (sscanf(name, "v(%255[^)])", a) == 1) {
        int na = ms_circuit_find_node(c, a);
        if (na < 0)
            return ms_err_at(err, MS_ERR_SEMANTIC, r->loc, "unknown node '%s'", a);
        out->a = na;
        return MS_OK;
    }
    if (sscanf(name, "i(%255[^)])", a) == 1) {
        char *br = ms_asprintf("%s#branch", a);
        int k = -1;
        for (int i = 1; i <= c->n && k < 0; i++)
            if (c->unk_kind[i] == MS_UNK_BRANCH && !strcmp(c->unk_name[i], br))
                k = i;
        free(br);
        if (k < 0)
            return ms_err_at(err, MS_ERR_SEMANTIC, r->loc,
                             "'%s': no branch current for '%s' (only V, E, H, L and B V= elements have one)", r->name, a);
        out->kind = MS_VEC_CURRENT;
        out->a = k;
        return MS_OK;
    }
    if (sscanf(name, "x(%255[^)])", a) == 1) {   /* a device state, "x(m1)" */
        char *st = ms_asprintf("%s#x", a);
        for (int i = 1; i <= c->n; i++)
            if (c->unk_kind[i] == MS_UNK_STATE && !strcmp(c->unk_name[i], st)) {
                free(st);
                out->kind = MS_VEC_STATE;
                out->a = i;
                return MS_OK;
            }
        free(st);
        return ms_err_at(err, MS_ERR_SEMANTIC, r->loc, "'%s': no device state named '%s'", r->name, a);
    }
    if (r->name[0] == '{' || !strncmp(r->name, "p(", 2))
        return ms_err_at(err, MS_ERR_SEMANTIC, r->loc, "'%s': p() and {expressions} are .print/.save vectors only",
                         r->name);
    return ms_err_at(err, MS_ERR_SEMANTIC, r->loc, "cannot save '%s'", r->name);
}

int ms_circuit_signal(const MsCircuit *c, const MsVecRef *r, MsSave *out, MsError *err)
{
    if (!strchr(r->name, ':'))
        return signal_named(c, r->name, r, out, err);
    /* Xyce's hierarchy separator: v(x1:b) is memspice's (and ngspice's) v(x1.b),
     * unless the name exists as written (whose error is the one reported) */
    MsError as_written = {0}, dotted_err = {0};
    if (signal_named(c, r->name, r, out, &as_written) == MS_OK)
        return MS_OK;
    char *dotted = ms_dotted_name(r->name);
    int rc = signal_named(c, dotted, r, out, &dotted_err);
    free(dotted);
    if (rc == MS_OK)
        return MS_OK;
    *err = as_written;
    return as_written.code;
}

/* p(name): the element (Xyce's "x1:r1" is memspice's "x1.r1"), whose kind must tell its power. */
static int power_ref(const MsCircuit *c, const MsVecRef *r, MsSave *out, MsError *err)
{
    char *in = ms_strndup(r->name + 2, strlen(r->name) - 3), *name = ms_dotted_name(in);
    free(in);
    int found = 0;
    for (int g = 0; g < c->ngroups && !found; g++)
        for (int i = 0; i < c->groups[g].n && !found; i++)
            if (!strcmp(((const MsInstHead *)ms_group_inst(&c->groups[g], i))->name, name)) {
                found = 1;
                if (!c->groups[g].type->power) {
                    free(name);
                    return ms_err_at(err, MS_ERR_UNSUPPORTED, r->loc,
                                     "'%s': the power of a %s is not available (p() works for R, V, L, E, F, G, H "
                                     "and YMEMRISTOR elements)", r->name, c->groups[g].type->name);
                }
                *out = (MsSave){r->name, MS_VEC_STATE, g, i, MS_SAVE_POWER, NULL};
            }
    int rc = found ? MS_OK : ms_err_at(err, MS_ERR_SEMANTIC, r->loc, "'%s': no element named '%s'", r->name, name);
    free(name);
    return rc;
}

/* {expr}: its I(name) vars become branch unknowns. */
static int expr_ref(const MsCircuit *c, const MsVecRef *r, MsSave *out, MsError *err)
{
    MsTape *t = r->tape;
    for (int j = 0; j < t->nvars; j++) {
        if (!t->vars[j].branch)
            continue;
        char *br = ms_asprintf("%s#branch", t->vars[j].branch);
        t->vars[j].unk = -1;
        for (int i = 1; i <= c->n && t->vars[j].unk < 0; i++)
            if (c->unk_kind[i] == MS_UNK_BRANCH && !strcmp(c->unk_name[i], br))
                t->vars[j].unk = i;
        free(br);
        if (t->vars[j].unk < 0)
            return ms_err_at(err, MS_ERR_SEMANTIC, r->loc,
                             "'%s': I(%s) names no element with a branch current (V, E, H, L, B V=)", r->name,
                             t->vars[j].branch);
    }
    *out = (MsSave){r->name, MS_VEC_STATE, 0, 0, MS_SAVE_EXPR, t};
    return MS_OK;
}

/* Resolve and save a .save/.print reference; its index, or <0 with err. */
static int save_ref(MsCircuit *c, const MsVecRef *r, MsError *err)
{
    MsSave s;
    int rc = r->tape ? expr_ref(c, r, &s, err)
             : !strncmp(r->name, "p(", 2) ? power_ref(c, r, &s, err) : ms_circuit_signal(c, r, &s, err);
    return rc ? rc : add_save(c, &s);
}

/* A failed AC form's message names the vector under it ("'i(r1)': no
 * branch current"): say which form the card wrote.  Returns err->code. */
static int form_context(const MsVecRef *r, MsError *err)
{
    if (r->form) {
        char *label = ms_ac_form_label(r->form, r->name);
        size_t len = strlen(err->msg);
        snprintf(err->msg + len, sizeof err->msg - len, " (in '%s')", label);
        free(label);
    }
    return err->code;
}

static int choose_saves(MsCircuit *c, MsError *err)
{
    MsDeck *d = &c->deck;
    if (d->nsaves == 0 || d->save_all) {
        for (int i = 1; i <= c->n; i++) {
            if (c->unk_kind[i] == MS_UNK_NODE) {
                char *nm = ms_asprintf("v(%s)", c->unk_name[i]);
                append_save(c, nm, MS_VEC_VOLTAGE, i, 0);   /* node names are unique */
                free(nm);
            }
        }
        for (int i = 1; i <= c->n; i++) {
            if (c->unk_kind[i] == MS_UNK_BRANCH) {
                char *nm = ms_asprintf("i(%.*s)", (int)(strlen(c->unk_name[i]) - 7), c->unk_name[i]);
                append_save(c, nm, MS_VEC_CURRENT, i, 0);
                free(nm);
            }
        }
        for (int i = 1; i <= c->n; i++) {   /* device states: "m1#x" is saved as x(m1) */
            if (c->unk_kind[i] == MS_UNK_STATE) {
                const char *hash = strrchr(c->unk_name[i], '#');
                char *nm = ms_asprintf("%s(%.*s)", hash + 1, (int)(hash - c->unk_name[i]), c->unk_name[i]);
                append_save(c, nm, MS_VEC_STATE, i, 0);
                free(nm);
            }
        }
    }
    for (int i = 0; i < d->nsaves; i++)
        if (save_ref(c, &d->saves[i], err) < 0)
            return form_context(&d->saves[i], err);
    /* .meas signals: an unknown one is an error at its card; saved when
     * .save picks a subset, as ngspice saves what its measures read */
    int subset = d->nsaves > 0 && !d->save_all;
    for (int k = 0; k < d->nmeas; k++) {
        const MsMeasDef *m = &d->meas[k];
        const MsVecRef *refs[] = {&m->sig, &m->trig.sig, &m->trig.sig2, &m->targ.sig, &m->targ.sig2};
        for (size_t j = 0; j < sizeof refs / sizeof refs[0]; j++) {
            if (!refs[j]->name)
                continue;
            int rc = subset ? save_ref(c, refs[j], err) : MS_OK;
            MsSave s;
            if (rc < 0 || (rc = ms_circuit_signal(c, refs[j], &s, err)))
                return err->code;
        }
    }
    c->prints = ms_calloc((size_t)d->nprints + 1, sizeof *c->prints);
    c->print_names = ms_calloc((size_t)d->nprints + 1, sizeof *c->print_names);
    for (int i = 0, ntran = 0; i < d->nprints; i++) {
        int k = save_ref(c, &d->prints[i], err);
        if (k < 0)
            return form_context(&d->prints[i], err);
        MsPrintCol *pc = &c->prints[c->nprints++];
        *pc = (MsPrintCol){d->print_an[i], k, d->prints[i].form, NULL};
        pc->label = pc->form ? ms_ac_form_label(pc->form, c->saves[k].name) : ms_strdup(c->saves[k].name);
        if (pc->analysis == MS_MEAS_TRAN)
            c->print_names[ntran++] = pc->label;
    }
    return MS_OK;
}

static int load(const char *path, const char *text, MsCircuit **out, MsError *err)
{
    MsError local;
    if (!err)
        err = &local;
    err->code = MS_OK;
    err->msg[0] = 0;
    *out = NULL;
    MsCircuit *c = ms_calloc(1, sizeof *c);
    int rc = ms_parse_netlist(path, text, &c->deck, err, print_notice, NULL);
    if (rc == MS_OK) {
        c->title = ms_strdup(c->deck.src.title);
        c->opt = c->deck.opt;
        c->has_op = c->deck.has_op;
        c->has_tran = c->deck.has_tran;
        rc = ms_elaborate(c, err);
        c->tran = c->deck.tran;
    }
    if (rc == MS_OK) {   /* names to nodes in constant time from here on (.save, .loss, .readout) */
        for (int i = 1; i <= c->n; i++)
            if (c->unk_kind[i] == MS_UNK_NODE)
                ms_map_put(&c->node_index, c->unk_name[i], i);
        c->node_index_built = 1;
        ms_inject_faults(c);
    }
    if (rc == MS_OK)
        rc = ms_circuit_setup(c, err);
    if (rc == MS_OK)
        rc = choose_saves(c, err);
    if (rc == MS_OK)
        rc = ms_grad_setup(c, err);
    if (rc) {
        ms_circuit_free(&c);
        return rc;
    }
    *out = c;
    return MS_OK;
}

int ms_circuit_load(const char *path, MsCircuit **out, MsError *err) { return load(path, NULL, out, err); }

int ms_circuit_load_string(const char *text, const char *name, MsCircuit **out, MsError *err)
{
    return load(name ? name : "<string>", text, out, err);
}

void ms_circuit_free(MsCircuit **cp)
{
    MsCircuit *c = *cp;
    if (!c)
        return;
    for (int g = 0; g < c->ngroups; g++) {
        MsDevGroup *gr = &c->groups[g];
        if (gr->type->free)
            gr->type->free(gr->inst, gr->n);
        for (int i = 0; i < gr->n; i++)
            free(((MsInstHead *)ms_group_inst(gr, i))->name);
        free(gr->inst);
    }
    free(c->groups);
    if (c->unk_name)
        for (int i = 0; i <= c->n; i++)
            free(c->unk_name[i]);
    free(c->unk_name);
    free(c->unk_kind);
    for (int i = 0; i < c->nsources; i++)
        free(c->source_name[i]);
    free(c->source_name);
    free(c->Ap);
    free(c->Ai);
    free(c->diag);
    free(c->GL);
    free(c->CL);
    free(c->lin_g);
    free(c->lin_c);
    if (c->sym)
        klu_free_symbolic(&c->sym, &c->common);
    free(c->ics);
    free(c->nodesets);
    for (int i = 0; i < c->nsaves; i++)
        free(c->saves[i].name);
    free(c->saves);
    free(c->faults);
    free(c->losses);
    free(c->meas_sv_a);
    free(c->meas_sv_b);
    free(c->meas_sv_ref);
    free(c->readout_defs);
    free(c->inputs);
    for (int i = 0; i < c->nparams; i++)
        free(c->params[i].owned);
    free(c->params);
    ms_pdep_free(c);
    if (c->node_index_built)
        ms_map_free(&c->node_index);
    if (c->nmeas_params)
        ms_map_free(&c->meas_param_index);
    free(c->meas_param_val);
    for (int i = 0; i < c->nprints; i++)
        free(c->prints[i].label);
    free(c->prints);
    free(c->print_names);
    free(c->title);
    ms_deck_free(&c->deck);
    free(c);
    *cp = NULL;
}

int ms_circuit_num_unknowns(const MsCircuit *c) { return c->n; }
int ms_circuit_has_op(const MsCircuit *c) { return c->has_op; }

int ms_circuit_has_ac(const MsCircuit *c, MsAcSpec *spec)
{
    if (spec && c->deck.has_ac)
        *spec = c->deck.ac;
    return c->deck.has_ac;
}

int ms_circuit_has_dc(const MsCircuit *c, MsDcSpec *spec)
{
    if (spec && c->deck.has_dc)
        *spec = c->deck.dc;
    return c->deck.has_dc;
}

int ms_circuit_has_tran(const MsCircuit *c, MsTranSpec *spec)
{
    if (spec && c->has_tran)
        *spec = c->tran;
    return c->has_tran;
}

const char *const *ms_circuit_print_names(const MsCircuit *c) { return (const char *const *)c->print_names; }
