#include "CAsyncIOSupport.h"

static _Thread_local void *current_loop;

void *asyncio_current_loop_get(void) { return current_loop; }
void asyncio_current_loop_set(void *loop) { current_loop = loop; }
