#ifndef ASYNCIO_CLIBUV_SHIM_H
#define ASYNCIO_CLIBUV_SHIM_H

#include <uv.h>

/* libuv's handle and request types share a common prefix; these casts are the
 * one place the Swift side reinterprets a concrete handle as the base type. */
static inline uv_handle_t *asyncio_uv_handle(void *handle) { return (uv_handle_t *)handle; }
static inline uv_stream_t *asyncio_uv_stream(void *handle) { return (uv_stream_t *)handle; }
static inline uv_req_t *asyncio_uv_req(void *req) { return (uv_req_t *)req; }

#endif
