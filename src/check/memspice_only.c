/* memspice_only.c — netlist cards and options that only memspice knows.
 * `memspice check` removes them (with a notice) before ngspice sees the
 * netlist, or refuses the netlist when leaving a card out would change the
 * circuit.  This is the one list: an issue that adds a memspice-only card
 * adds its row here.
 * Removing an element changes the circuit, so MS_ONLY_ELEMENT is only right
 * for elements that do not load it (probes); a device ngspice lacks is an
 * MS_ONLY_REFUSE row (compare it with --model, or give ngspice a netlist
 * with its reference subcircuit through --against). */
#include "ngdeck.h"

#include <stddef.h>

const MsOnlyRule ms_memspice_only[] = {
    {MS_ONLY_OPTION, "fixedstep", "memspice's fixed-step mode; ngspice keeps its own step control"},
    {MS_ONLY_OPTION, "chord", "memspice's chord iterations (reused factorizations); ngspice refactors"},
    {MS_ONLY_OPTION, "memfault", "memspice's stuck-at memristor faults"},
    {MS_ONLY_OPTION, "memfaultseed", "memspice's stuck-at memristor faults"},
    {MS_ONLY_OPTION, "memfaultsa1", "memspice's stuck-at memristor faults"},
    {MS_ONLY_CARD, ".loss", "the loss of 'memspice grad'"},
    {MS_ONLY_CARD, ".trainable", "the trainable parameters of 'memspice grad' and 'memspice train'"},
    {MS_ONLY_CARD, ".input", "the input sources of 'memspice train'"},
    {MS_ONLY_CARD, ".readout", "the readout of 'memspice train'"},
    {MS_ONLY_REFUSE, "y",
     "a native memspice device (Y element) that ngspice cannot simulate; compare its model with "
     "'memspice check --model', or give ngspice the same circuit with the reference subcircuit "
     "through --against"},
    {MS_ONLY_CARD, NULL, NULL}
};
