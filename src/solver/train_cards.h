/* train_cards.h — resolving the cards that say what is trained and how a
 * sample enters and leaves the circuit (.trainable, .input, .readout)
 * against the loaded circuit (at load time, from ms_grad_setup). */
#ifndef MS_TRAIN_CARDS_H
#define MS_TRAIN_CARDS_H

#include "circuit.h"

/* .trainable: names and glob patterns to c->params, with bounds. */
int ms_trainables_setup(MsCircuit *c, MsError *err);
/* .readout: one loss term per signal after the .loss terms (weight 0). */
int ms_readout_setup(MsCircuit *c, MsError *err);
/* .input: the sources carrying the features, in order. */
int ms_inputs_setup(MsCircuit *c, MsError *err);

#endif
