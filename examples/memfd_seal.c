/* memfd_seal.c - a sealed memfd refuses every write, through any path.
 *
 * Writes a message into a memfd, seals it against writing (F_SEAL_WRITE), then tries to write
 * with write(2) and to map it writable: both must fail with EPERM, while a read-only mapping
 * still sees the message. This is why shared_arrays' workers can trust the image they are
 * handed: nobody, not even its creator, can change it any more.
 * Exit 0 when both writes were refused.
 */
#define _GNU_SOURCE /* memfd_create, F_ADD_SEALS */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int die(const char *what)
{
    perror(what);
    return 2;
}

int main(void)
{
    static const char message[] = "the model, read-only forever";
    int fd = memfd_create("sealed", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return die("memfd_seal: memfd_create");
    if (write(fd, message, sizeof message) != (ssize_t)sizeof message)
        return die("memfd_seal: write before sealing");
    /* F_SEAL_WRITE is refused (EBUSY) while a writable shared mapping exists: there is none. */
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0)
        return die("memfd_seal: F_ADD_SEALS");

    int refused = 0;
    if (pwrite(fd, "X", 1, 0) < 0 && errno == EPERM) {
        printf("write after sealing: refused (%s)\n", strerror(errno));
        refused++;
    }
    void *rw = mmap(NULL, sizeof message, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (rw == MAP_FAILED && errno == EPERM) {
        printf("writable mapping after sealing: refused (%s)\n", strerror(errno));
        refused++;
    } else if (rw != MAP_FAILED && munmap(rw, sizeof message) != 0)
        return die("memfd_seal: munmap");

    const char *ro = mmap(NULL, sizeof message, PROT_READ, MAP_SHARED, fd, 0);
    if (ro == MAP_FAILED)
        return die("memfd_seal: read-only mmap");
    printf("read-only mapping reads: \"%s\"\n", ro);
    int same = memcmp(ro, message, sizeof message) == 0;
    if (munmap((void *)ro, sizeof message) != 0 || close(fd) != 0)
        return die("memfd_seal: munmap/close");
    return refused == 2 && same ? 0 : 1;
}
