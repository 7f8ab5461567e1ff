// Debian ships cblas.h per BLAS flavour; openblas.pc adds the openblas-pthread include dir.
#include <cblas.h>
// Thread control, so the engine (not OpenBLAS) decides intra-op parallelism.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
