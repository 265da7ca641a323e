#ifndef ASYNCIO_SUPPORT_H
#define ASYNCIO_SUPPORT_H

/* The event loop running on the calling thread, or NULL. Swift 6 cannot read C
 * globals (thread-local ones included), so the variable hides behind functions. */
void *asyncio_current_loop_get(void);
void asyncio_current_loop_set(void *loop);

struct sockaddr;

/* accept4(2) is a GNU extension that Swift's Glibc module does not import. */
int asyncio_accept4(int fd, struct sockaddr *address, unsigned int *length, int flags);

/* mallopt(M_TRIM_THRESHOLD) and mallopt(M_MMAP_THRESHOLD): macros Swift cannot import.
 * Returns non-zero on success. */
int asyncio_set_malloc_thresholds(int trim_threshold, int mmap_threshold);

#endif
