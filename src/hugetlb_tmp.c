// temporary: replaced by hugetlb.c
#include "internal.h"
int hvo__hugetlb_init(struct hvo_sim *sim) { (void)sim; return 0; }
int hvo__hugetlb_boot_reserve(struct hvo_sim *sim) { (void)sim; return 0; }
int hvo__hugetlb_late_init(struct hvo_sim *sim) { (void)sim; return 0; }
void hvo__hugetlb_destroy(struct hvo_sim *sim) { (void)sim; }
uint64_t hvo__hugetlb_leaked(struct hvo_sim *sim, bool report) { (void)sim; (void)report; return 0; }
bool hvo__hugetlb_skip_populate(struct hvo_sim *sim, uint64_t pfn) { (void)sim; (void)pfn; return false; }
int hvo__rcu_init(struct hvo_sim *sim) { (void)sim; return 0; }
void hvo__rcu_destroy(struct hvo_sim *sim) { (void)sim; }
uint64_t hvo__folio_of_pfn(struct hvo_sim *sim, uint64_t pfn) { (void)sim; (void)pfn; return UINT64_MAX; }
