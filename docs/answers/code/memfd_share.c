/* memfd_share.c - hand the model's sealed memfd to a process nobody forked: SCM_RIGHTS.
 *
 *   memfd_share serve SPEC SOCKET [CLIENTS]   build the flat image in a sealed memfd, then hand
 *                                             its descriptor to CLIENTS connections (default 1)
 *   memfd_share classify SOCKET RECORDS       receive the descriptor, map it read-only,
 *                                             classify RECORDS, print rows, rejected, checksum
 *
 * The two are started separately (two shells, two users of the same machine): the classifier
 * inherits nothing from the server. What crosses is one descriptor, passed in a control
 * message over a Unix-domain socket; the kernel installs a new descriptor for the same memfd in
 * the receiver, which maps the very pages the server wrote. A SOCKET starting with '@' is an
 * abstract name (Linux): it leaves no file behind, even when the server is killed.
 *
 * Build (from the repository root, after a release build):
 *   cc -std=c11 -D_DEFAULT_SOURCE -ffp-contract=off -Iharness/support -Iharness/workload \
 *      -Iharness/io docs/answers/code/memfd_share.c build/release/harness/libsharebench_core.a \
 *      -lcsv -luuid -lm -lpthread -o memfd_share
 */
#define _GNU_SOURCE /* memfd_create, F_ADD_SEALS */
#include "classify.h"
#include "image.h"
#include "records.h"
#include "spec.h"
#include "workload.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int die(const char *what)
{
    perror(what);
    return 1;
}

/* The socket address for name; '@' at the start makes it abstract (no file). */
static socklen_t address(const char *name, struct sockaddr_un *a)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    snprintf(a->sun_path, sizeof a->sun_path, "%s", name);
    if (name[0] == '@')
        a->sun_path[0] = '\0';
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name) + 1);
}

/* The model's flat image in a memfd, sealed: nobody can write it again, through any mapping. */
static int sealed_image(const char *spec_path)
{
    struct spec spec;
    struct error err;
    if (spec_load(spec_path, &spec, &err) != 0) {
        fprintf(stderr, "memfd_share: %s\n", err.msg);
        return -1;
    }
    size_t size = image_size_for_spec(&spec);
    int fd = memfd_create("sharebench-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    void *w = MAP_FAILED;
    if (fd >= 0 && ftruncate(fd, (off_t)size) == 0)
        w = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (w != MAP_FAILED) {
        image_write_from_spec(&spec, w);
        munmap(w, size);
    }
    spec_free(&spec);
    if (w == MAP_FAILED ||
        fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0) {
        perror("memfd_share: the image");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* Send fd over the connected socket s: one byte of data, the descriptor in the control part. */
static int send_fd(int s, int fd)
{
    char byte = 'M';
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    return sendmsg(s, &msg, 0) == 1 ? 0 : -1;
}

/* Receive a descriptor from s, or -1. */
static int receive_fd(int s)
{
    char byte;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    if (recvmsg(s, &msg, MSG_CMSG_CLOEXEC) != 1)
        return -1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
        return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
}

static int serve(const char *spec_path, const char *name, int clients)
{
    int fd = sealed_image(spec_path);
    if (fd < 0)
        return 1;
    struct sockaddr_un a;
    socklen_t len = address(name, &a);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || bind(s, (struct sockaddr *)&a, len) != 0 || listen(s, 8) != 0)
        return die("memfd_share: socket");
    printf("serving the image of %s on %s\n", spec_path, name);
    fflush(stdout);
    int rc = 0;
    for (int i = 0; i < clients && rc == 0; i++) {
        int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0 || send_fd(c, fd) != 0)
            rc = die("memfd_share: handing the descriptor over");
        if (c >= 0)
            close(c);
    }
    close(s);
    close(fd);
    if (name[0] != '@')
        unlink(name);
    return rc;
}

/* Classify every record of path with the image at (image, size); print the figures. */
static int classify_file(const void *image, size_t size, const char *path)
{
    struct image_view view;
    struct rule_set rules;
    struct error err;
    if (image_open(&view, image, size, &err) != 0 ||
        image_compile_rules(&view, &rules, &err) != 0) {
        fprintf(stderr, "memfd_share: %s\n", err.msg);
        return 1;
    }
    struct classifier c;
    image_classifier(&view, &rules, &c);
    struct record_reader *r = record_reader_open(path, FIELD_LIMIT_DEFAULT, &err);
    struct checksum sum = {0};
    uint64_t rejected = 0;
    enum record_status st = RECORD_END;
    struct record rec;
    struct rejection rej;
    while (r && (st = record_reader_next(r, &rec, &rej, &err)) != RECORD_END &&
           st != RECORD_ERROR) {
        if (st == RECORD_REJECTED) {
            rejected++;
            continue;
        }
        struct result res;
        classify(&c, &rec, &res);
        checksum_add(&sum, &res);
    }
    record_reader_close(r);
    rules_free(&rules);
    if (r == NULL || st == RECORD_ERROR) {
        fprintf(stderr, "memfd_share: %s\n", err.msg);
        return 1;
    }
    printf("rows=%llu rejected=%llu checksum=%016llx\n", (unsigned long long)sum.count,
           (unsigned long long)rejected, (unsigned long long)sum.sum);
    return 0;
}

static int classify_from(const char *name, const char *records)
{
    struct sockaddr_un a;
    socklen_t len = address(name, &a);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&a, len) != 0)
        return die("memfd_share: connect");
    int fd = receive_fd(s);
    close(s);
    if (fd < 0)
        return die("memfd_share: no descriptor received");
    /* Trust, but check: only a write-sealed memfd cannot change under us. */
    int seals = fcntl(fd, F_GET_SEALS);
    struct stat st;
    if (seals < 0 || !(seals & F_SEAL_WRITE) || fstat(fd, &st) != 0) {
        fprintf(stderr, "memfd_share: the descriptor is not a write-sealed memfd\n");
        return 1;
    }
    void *image = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd); /* the mapping keeps the pages */
    if (image == MAP_FAILED)
        return die("memfd_share: mmap");
    int rc = classify_file(image, (size_t)st.st_size, records);
    munmap(image, (size_t)st.st_size);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && argc <= 5 && strcmp(argv[1], "serve") == 0)
        return serve(argv[2], argv[3], argc == 5 ? atoi(argv[4]) : 1);
    if (argc == 4 && strcmp(argv[1], "classify") == 0)
        return classify_from(argv[2], argv[3]);
    fprintf(stderr, "usage: memfd_share serve SPEC SOCKET [CLIENTS]\n"
                    "       memfd_share classify SOCKET RECORDS\n");
    return 2;
}
