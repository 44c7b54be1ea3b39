/* ngdeck.h — the netlist as ngspice gets it.
 *
 * The netlist is read with memspice's own lexer (includes and .lib sections
 * expanded, continuation lines joined, comments and .control blocks dropped),
 * so ngspice sees exactly the cards memspice parsed.  Cards that only
 * memspice understands (the table in memspice_only.c) are removed, each with
 * a note saying where and why. */
#ifndef MS_CHECK_NGDECK_H
#define MS_CHECK_NGDECK_H

#include "../memspice.h"

typedef struct MsStripNote {
    char *where;   /* "file:line" */
    char *what;    /* the card or option removed, as written (lower case) */
    char *why;
} MsStripNote;

typedef struct MsNgDeck {
    char **lines;        /* title, cards, ".end", NULL: what ngSpice_Circ takes */
    char **where;        /* per line: "file:line" it came from (NULL for the added .end) */
    int nlines;
    MsStripNote *notes;
    int nnotes;
} MsNgDeck;

/* Build the deck from a file (text == NULL) or from text named path.
 * MS_ERR_UNSUPPORTED (with file:line and the reason) for a card of an
 * MS_ONLY_REFUSE row. */
int ms_ngdeck_build(const char *path, const char *text, MsNgDeck *deck, MsError *err);
void ms_ngdeck_free(MsNgDeck *deck);

/* ---- memspice_only.c: the cards and options only memspice knows ---- */
typedef enum {
    MS_ONLY_OPTION,    /* a word (or word=value) of .options */
    MS_ONLY_CARD,      /* a whole dot card: ".loss", ".trainable" */
    MS_ONLY_ELEMENT,   /* every element whose name starts with these letters */
    MS_ONLY_REFUSE     /* an element ngspice cannot simulate and that cannot be
                          left out: the check stops (exit 2) and says why */
} MsOnlyKind;

typedef struct MsOnlyRule {
    MsOnlyKind kind;
    const char *name;  /* option name, card name with its dot, or element letter(s) */
    const char *why;   /* shown in the notice and the report */
} MsOnlyRule;

/* The table, terminated by a row with name == NULL. */
extern const MsOnlyRule ms_memspice_only[];

#endif
