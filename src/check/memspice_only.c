/* memspice_only.c — netlist cards and options that only memspice knows.
 * `memspice check` removes them (with a notice) before ngspice sees the
 * netlist.  This is the one list: an issue that adds a memspice-only card
 * adds its row here, e.g.
 *     {MS_ONLY_CARD, ".loss", "training loss definition"},
 *     {MS_ONLY_CARD, ".trainable", "marks trainable parameters"},
 *     {MS_ONLY_ELEMENT, "y", "native memristor (compare it with --model)"},
 * Removing an element changes the circuit, so an element row is only right
 * for elements that do not load it (probes), or with --against. */
#include "ngdeck.h"

#include <stddef.h>

const MsOnlyRule ms_memspice_only[] = {
    {MS_ONLY_OPTION, "fixedstep", "memspice's fixed-step mode; ngspice keeps its own step control"},
    {MS_ONLY_CARD, NULL, NULL}
};
