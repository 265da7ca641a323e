#ifndef ASYNCIO_SUPPORT_H
#define ASYNCIO_SUPPORT_H

/* CAsyncIOSupport: the few pieces of C that AsyncIO's Swift cannot declare or import, each
 * behind a function: the thread-local running-loop pointer (current_loop.c), accept4(2)
 * (accept4.c), malloc's trim and mmap thresholds (allocator.c), and libdispatch's
 * main-queue hooks (main_queue.c). */

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

/* libdispatch's main queue (the main actor's executor), drained by a loop that runs on
 * the main thread; see main_queue.c. */

/* Whether the calling thread is the process's main thread (pthread_main_np elsewhere). */
int asyncio_is_main_thread(void);
/* The descriptor that turns readable when the main queue has work, or -1 when this
 * libdispatch lacks the run-loop hooks. Call on the main thread. */
int asyncio_main_queue_descriptor(void);
/* Consumes the descriptor's wake-up and runs the main queue's jobs. Main thread only. */
void asyncio_main_queue_drain(int descriptor);

#endif
