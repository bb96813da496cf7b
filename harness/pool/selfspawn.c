/* selfspawn.c - see selfspawn.h. */
#define _GNU_SOURCE
#include "selfspawn.h"

#include "interrupt.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Read the child's standard output to its end into out (cap bytes, NUL-terminated). */
static void read_all(int fd, char *out, size_t cap)
{
    size_t len = 0;
    char sink[4096];
    for (;;) {
        char *to = len + 1 < cap ? out + len : sink;
        size_t room = len + 1 < cap ? cap - 1 - len : sizeof sink;
        ssize_t got = read(fd, to, room);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        if (to != sink) /* past cap the rest is read and dropped, so the child never blocks */
            len += (size_t)got;
    }
    out[len] = '\0';
}

/* Wait for the child's end and stop forwarding signals to it before reaping it: until then
 * its pid cannot be reused. */
static int wait_child(pid_t pid, struct error *err)
{
    siginfo_t info;
    int rc;
    while ((rc = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT)) != 0 && errno == EINTR)
        continue;
    interrupt_forward(0);
    if (rc != 0)
        return error_errno(err, "waitid");
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return error_errno(err, "waitpid");
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int spawn_capture_fd(const char *exe, char *const argv[], char *out, size_t cap, int stderr_fd,
                     struct error *err)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0)
        return error_errno(err, "pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, stderr_fd, STDERR_FILENO);
    pid_t pid;
    int rc = posix_spawn(&pid, exe ? exe : "/proc/self/exe", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (rc != 0) {
        close(pipefd[0]);
        errno = rc;
        return error_cannot_start(err, "cannot start %s", argv[0]);
    }
    interrupt_forward(pid);
    read_all(pipefd[0], out, cap);
    close(pipefd[0]);
    return wait_child(pid, err);
}

int spawn_capture(const char *exe, char *const argv[], char *out, size_t cap,
                  const char *stderr_path, struct error *err)
{
    const char *path = stderr_path ? stderr_path : "/dev/null";
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return error_errno(err, "%s", path);
    int status = spawn_capture_fd(exe, argv, out, cap, fd, err);
    close(fd);
    return status;
}
