/* registry.h — the table of device kinds. */
#ifndef MS_REGISTRY_H
#define MS_REGISTRY_H

struct MsDevType;
const struct MsDevType *ms_dev_by_letter(char letter);
struct MsCard;
/* The kind that reads this element card. */
const struct MsDevType *ms_dev_for_card(const struct MsCard *card);
/* All kinds, NULL-terminated, in stamping order. */
const struct MsDevType *const *ms_dev_all(void);

#endif
