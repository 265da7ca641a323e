#define _GNU_SOURCE
#include <sys/socket.h>
#include "CAsyncIOSupport.h"

int asyncio_accept4(int fd, struct sockaddr *address, unsigned int *length, int flags) {
    return accept4(fd, address, (socklen_t *)length, flags);
}
