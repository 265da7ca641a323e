#define _GNU_SOURCE
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "CAsyncIOSupport.h"

/* libdispatch's run-loop hooks, the ones CoreFoundation's CFRunLoop uses on Linux to run
 * the main queue (declared in dispatch/private.h, which the toolchain does not install).
 * Weak references: a libdispatch without them leaves them NULL, and the loop goes
 * without draining instead of failing to load. On Linux the handle is an eventfd. */
extern int _dispatch_get_main_queue_handle_4CF(void) __attribute__((weak));
extern void _dispatch_main_queue_callback_4CF(void *msg) __attribute__((weak));

int asyncio_is_main_thread(void) {
    /* What pthread_main_np answers elsewhere, and CoreFoundation's _CFIsMainThread on Linux:
     * libdispatch binds its main queue to the thread that loaded it, the process's first. */
    return syscall(SYS_gettid) == getpid();
}

int asyncio_main_queue_descriptor(void) {
    if (_dispatch_get_main_queue_handle_4CF == NULL || _dispatch_main_queue_callback_4CF == NULL) {
        return -1;
    }
    return _dispatch_get_main_queue_handle_4CF();
}

void asyncio_main_queue_drain(int descriptor) {
    /* libdispatch writes the eventfd when the queue turns non-empty and never reads it (CF
     * does, before it drains). Read first: a job queued during the drain writes again and
     * wakes the next iteration; reading afterwards could swallow that wake-up. A level-
     * triggered poll that nobody reads would spin. */
    eventfd_t count;
    (void)eventfd_read(descriptor, &count);
    _dispatch_main_queue_callback_4CF(NULL);
}
