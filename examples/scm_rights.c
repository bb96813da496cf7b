/* scm_rights.c - a descriptor passed to another process with SCM_RIGHTS.
 *
 * The child is forked first, so it cannot inherit what the parent opens afterwards. The parent
 * then creates a memfd holding a message and sends the descriptor over a Unix socket in a
 * control message; the kernel installs a new descriptor in the child for the same open file,
 * and the child reads the message through it. Exit 0 when the child read the message.
 */
#define _GNU_SOURCE /* memfd_create */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const char message[] = "pages the child never inherited";

static int receive_and_read(int sock) /* the child: one descriptor in, its contents checked */
{
    char byte, buf[CMSG_SPACE(sizeof(int))], text[sizeof message];
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = sizeof buf};
    if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
        return perror("scm_rights: recvmsg"), 2;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
        return fprintf(stderr, "scm_rights: no descriptor in the message\n"), 1;
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    if (pread(fd, text, sizeof text, 0) != (ssize_t)sizeof text)
        return perror("scm_rights: pread"), 2;
    printf("child got descriptor %d and read: \"%s\"\n", fd, text);
    fflush(stdout); /* the child ends in _exit, which does not flush */
    return close(fd) == 0 && memcmp(text, message, sizeof message) == 0 ? 0 : 1;
}

int main(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return perror("scm_rights: socketpair"), 2;
    pid_t pid = fork();
    if (pid < 0)
        return perror("scm_rights: fork"), 2;
    if (pid == 0)
        _exit(receive_and_read(sv[1]));

    int fd = memfd_create("message", MFD_CLOEXEC); /* opened after the fork */
    if (fd < 0 || write(fd, message, sizeof message) != (ssize_t)sizeof message)
        return perror("scm_rights: memfd"), 2;
    char buf[CMSG_SPACE(sizeof(int))] = {0};
    struct iovec iov = {.iov_base = "x", .iov_len = 1}; /* a control message needs a data byte */
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = sizeof buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    *c = (struct cmsghdr){
        .cmsg_level = SOL_SOCKET, .cmsg_type = SCM_RIGHTS, .cmsg_len = CMSG_LEN(sizeof(int))};
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    if (sendmsg(sv[0], &msg, 0) != 1)
        return perror("scm_rights: sendmsg"), 2;
    printf("parent sent descriptor %d\n", fd);
    int status;
    if (close(fd) != 0 || waitpid(pid, &status, 0) != pid)
        return perror("scm_rights: close/waitpid"), 2;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}
