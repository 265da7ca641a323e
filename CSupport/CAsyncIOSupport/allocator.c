#include <malloc.h>
#include "CAsyncIOSupport.h"

int asyncio_set_malloc_thresholds(int trim_threshold, int mmap_threshold) {
    return mallopt(M_TRIM_THRESHOLD, trim_threshold) && mallopt(M_MMAP_THRESHOLD, mmap_threshold);
}
