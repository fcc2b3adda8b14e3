#include "cli/common/supervise.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS 256

/* A job's reply on the wire: this header, then out, err and data bytes. */
typedef struct
{
  int32_t status;
  int32_t cannot_run; /* the worker could not start; err says why */
  int64_t aux;
  uint64_t out_len, err_len, data_len;
} wire_reply;

/* A job on the wire: this header, then the path's bytes. */
typedef struct
{
  int64_t arg;
  uint32_t path_len;
} wire_job;

struct supervise_reply
{
  int status;
  long long aux;
  char* data;
  size_t data_len;
};

typedef struct
{
  pid_t pid;  /* 0: the slot has no process */
  int fd;     /* our end of the socket */
  char* path; /* the file it is doing; NULL when idle */
  double started;
  char* buf; /* the reply read so far */
  size_t len, cap;
} worker;

struct supervisor
{
  const supervise_options* o;
  worker w[MAX_WORKERS];
  int n;
};

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

void supervise_reply_status(supervise_reply* r, int status, long long aux)
{
  r->status = status;
  r->aux = aux;
}

int supervise_reply_data(supervise_reply* r, const void* data, size_t len)
{
  char* copy = malloc(len > 0 ? len : 1);
  if (copy == NULL)
    return -1;
  memcpy(copy, data, len);
  free(r->data);
  r->data = copy;
  r->data_len = len;
  return 0;
}

/* ---- the worker process --------------------------------------------- */

/* Sends the parts whole, in one sendmsg when the socket takes them: a job
 * and a reply are one system call each, not one per part (each call costs a
 * few microseconds a file here, against Debian yara's none). */
static int send_parts(int fd, struct iovec* iov, int n)
{
  while (n > 0)
  {
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t) n};
    ssize_t k = sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR)
      continue;
    if (k < 0)
      return -1;
    for (; n > 0 && (size_t) k >= iov->iov_len; iov++, n--)
      k -= (ssize_t) iov->iov_len;
    if (n > 0)
    {
      iov->iov_base = (char*) iov->iov_base + k;
      iov->iov_len -= (size_t) k;
    }
  }
  return 0;
}

static int recv_all(int fd, void* p, size_t n)
{
  char* c = p;
  while (n > 0)
  {
    ssize_t k = recv(fd, c, n, 0);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return -1;
    c += k;
    n -= (size_t) k;
  }
  return 0;
}

/* RLIMIT_DATA counts heap and anonymous mappings, not the read-only file
   mappings a scan reads, so it bounds what a parser allocates.  The limit
   sits above what the worker holds once worker_init has returned (the
   compiled rules it inherited, its scanner, its read buffer), so every file
   gets the same headroom, whichever file came first. */
static void limit_memory(long long extra)
{
  if (extra <= 0)
    return;
  FILE* f = fopen("/proc/self/status", "r");
  long long kb = 0;
  char line[256];
  while (f != NULL && fgets(line, sizeof(line), f) != NULL)
    if (sscanf(line, "VmData: %lld kB", &kb) == 1)
      break;
  if (f != NULL)
    fclose(f);
  struct rlimit rl;
  rl.rlim_cur = rl.rlim_max = (rlim_t) (kb * 1024 + extra);
  setrlimit(RLIMIT_DATA, &rl);
}

static void send_reply(
    int fd,
    const supervise_reply* r,
    int cannot_run,
    const char* out,
    size_t out_len,
    const char* err,
    size_t err_len)
{
  wire_reply h = {r->status, cannot_run, r->aux, out_len, err_len, r->data_len};
  struct iovec iov[] = {
      {&h, sizeof(h)},
      {(void*) out, out_len},
      {(void*) err, err_len},
      {r->data, r->data_len}};
  if (send_parts(fd, iov, 4) != 0)
    _exit(1); /* the supervisor is gone */
}

/* Runs one job with stdout and stderr captured, and sends the reply. */
static void worker_job(
    const supervise_options* o,
    void* state,
    int fd,
    const char* path,
    long long arg)
{
  char *out = NULL, *err = NULL;
  size_t out_len = 0, err_len = 0;
  FILE* fout = open_memstream(&out, &out_len);
  FILE* ferr = open_memstream(&err, &err_len);
  if (fout == NULL || ferr == NULL)
    _exit(1);
  stdout = fout;
  stderr = ferr;
  supervise_reply r = {0, 0, NULL, 0};
  if (state != NULL)
    o->work(state, path, arg, &r);
  else
    fprintf(ferr, "its scanning process could not start");
  fclose(fout);
  fclose(ferr);
  send_reply(fd, &r, state == NULL, out, out_len, err, err_len);
  free(out);
  free(err);
  free(r.data);
}

/* A worker's state lives as long as its process, which ends with _exit
   without freeing it.  Held here and not only in a register, so that
   valgrind's leak check finds it reachable at exit, not "definitely lost"
   (make check-valgrind counted that as an error in every worker).
   Volatile: nothing reads it, and the compiler would drop the store. */
static void* volatile worker_state;

static void worker_main(const supervise_options* o, int fd)
{
  /* A worker stuck in a parser must not outlive a supervisor that was
     killed (by timeout(1), say). */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() == 1)
    _exit(1);
  void* state = o->worker_init != NULL ? o->worker_init(o->shared) : o->shared;
  worker_state = state;
  limit_memory(o->memory_limit);
  wire_job j;
  char* path = NULL;
  while (recv_all(fd, &j, sizeof(j)) == 0)
  {
    char* p = realloc(path, (size_t) j.path_len + 1);
    if (p == NULL || recv_all(fd, p, j.path_len) != 0)
      _exit(1);
    path = p;
    path[j.path_len] = '\0';
    worker_job(o, state, fd, path, j.arg);
  }
  _exit(0);
}

/* ---- the supervisor --------------------------------------------------- */

static int spawn(supervisor* s, worker* w)
{
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return -1;
  pid_t pid = fork();
  if (pid < 0)
  {
    close(sv[0]);
    close(sv[1]);
    return -1;
  }
  if (pid == 0)
  {
    /* Holding the others' ends would keep them from seeing EOF. */
    for (int i = 0; i < s->n; i++)
      if (s->w[i].pid != 0 && &s->w[i] != w)
        close(s->w[i].fd);
    close(sv[0]);
    worker_main(s->o, sv[1]);
  }
  close(sv[1]);
  w->pid = pid;
  w->fd = sv[0];
  w->len = 0;
  return 0;
}

static void reap(worker* w, int* status)
{
  close(w->fd);
  while (waitpid(w->pid, status, 0) < 0 && errno == EINTR) continue;
  w->pid = 0;
  w->len = 0;
}

static void lose(supervisor* s, worker* w, const char* why)
{
  char* path = w->path;
  w->path = NULL;
  s->o->on_lost(s->o->shared, path, why);
  free(path);
}

/* The worker died or was killed: say why for its file, and replace it. */
/* A new process in the worker's slot; 0, or -1 (the slot left empty). */
static int respawn(supervisor* s, worker* w)
{
  fflush(NULL);
  if (spawn(s, w) == 0)
    return 0;
  w->pid = 0;
  return -1;
}

static void replace(supervisor* s, worker* w, const char* why)
{
  int status = 0;
  char text[200];
  reap(w, &status);
  if (why == NULL && WIFSIGNALED(status))
    snprintf(
        text,
        sizeof(text),
        "the scan crashed: %s (signal %d)%s; its scanning process was "
        "replaced",
        strsignal(WTERMSIG(status)),
        WTERMSIG(status),
        /* Files over 8 MiB are mapped (mapped.h): one cut short under
           the scan faults on its next page. */
        WTERMSIG(status) == SIGBUS
            ? " (a parser read bad memory, or a mapped file shrank)"
            : "");
  else if (why == NULL)
    snprintf(
        text,
        sizeof(text),
        "its scanning process exited with status %d",
        WEXITSTATUS(status));
  if (w->path != NULL)
    lose(s, w, why != NULL ? why : text);
  respawn(s, w);
}

static void deliver(supervisor* s, worker* w)
{
  wire_reply h;
  memcpy(&h, w->buf, sizeof(h));
  const char* p = w->buf + sizeof(h);
  supervise_result r = {
      h.status,
      h.aux,
      p,
      h.out_len,
      p + h.out_len,
      h.err_len,
      p + h.out_len + h.err_len,
      h.data_len};
  if (h.cannot_run)
  {
    char why[256];
    snprintf(why, sizeof(why), "%.*s", (int) h.err_len, r.err);
    lose(s, w, why);
  }
  else
  {
    s->o->on_result(s->o->shared, w->path, &r);
    free(w->path);
    w->path = NULL;
  }
  w->len = 0;
}

static size_t reply_size(const worker* w)
{
  wire_reply h;
  if (w->len < sizeof(h))
    return SIZE_MAX;
  memcpy(&h, w->buf, sizeof(h));
  return sizeof(h) + h.out_len + h.err_len + h.data_len;
}

/* Reads what the worker sent, until its reply is whole or nothing more has
 * come (the socket blocks only for the worker's sends); returns -1 when the
 * worker is gone. */
static int read_reply(supervisor* s, worker* w)
{
  for (;;)
  {
    if (w->cap - w->len < 65536)
    {
      size_t cap = w->cap * 2 > 131072 ? w->cap * 2 : 131072;
      char* b = realloc(w->buf, cap);
      if (b == NULL)
        return -1;
      w->buf = b;
      w->cap = cap;
    }
    ssize_t k = recv(w->fd, w->buf + w->len, w->cap - w->len, MSG_DONTWAIT);
    if (k < 0 && errno == EINTR)
      continue;
    if (k < 0 && errno == EAGAIN)
      break;
    if (k <= 0)
    {
      /* A reply that arrived whole before the worker died still counts. */
      if (w->path != NULL && w->len >= reply_size(w))
        deliver(s, w);
      return -1;
    }
    w->len += (size_t) k;
    if (w->len >= reply_size(w))
      break;
  }
  if (w->len >= reply_size(w))
    deliver(s, w);
  return 0;
}

/* Kills workers past their deadline; returns ms until the next one. */
static int enforce_deadlines(supervisor* s)
{
  double t = now(), next = 1e9;
  for (int i = 0; i < s->n; i++)
  {
    worker* w = &s->w[i];
    if (w->path == NULL || s->o->timeout <= 0)
      continue;
    double left = w->started + s->o->timeout - t;
    if (left <= 0)
    {
      char why[160];
      snprintf(
          why,
          sizeof(why),
          "scanning timed out: still running after %.0f s, its scanning "
          "process was stopped",
          s->o->timeout);
      kill(w->pid, SIGKILL);
      replace(s, w, why);
    }
    else if (left < next)
      next = left;
  }
  return next >= 1e6 ? 1000000000 : (int) (next * 1000) + 1;
}

/* Waits until some busy worker replies, dies or overruns. */
static void pump(supervisor* s)
{
  struct pollfd fds[MAX_WORKERS];
  int idx[MAX_WORKERS], n = 0;
  int wait_ms = enforce_deadlines(s);
  for (int i = 0; i < s->n; i++)
    if (s->w[i].path != NULL)
    {
      fds[n] = (struct pollfd){s->w[i].fd, POLLIN, 0};
      idx[n++] = i;
    }
  if (n == 0 || poll(fds, n, wait_ms) <= 0)
    return;
  for (int k = 0; k < n; k++)
  {
    worker* w = &s->w[idx[k]];
    if (fds[k].revents != 0 && read_reply(s, w) != 0)
      replace(s, w, NULL);
  }
}

supervisor* supervise_start(const supervise_options* o)
{
  supervisor* s = calloc(1, sizeof(*s));
  if (s == NULL)
    return NULL;
  s->o = o;
  int want = o->workers < 1
                 ? 1
                 : (o->workers > MAX_WORKERS ? MAX_WORKERS : o->workers);
  fflush(NULL);
  for (s->n = 0; s->n < want; s->n++)
    if (spawn(s, &s->w[s->n]) != 0)
      break;
  if (s->n == 0)
  {
    free(s);
    return NULL;
  }
  return s;
}

static worker* idle_worker(supervisor* s)
{
  for (int i = 0; i < s->n; i++)
    if (s->w[i].pid != 0 && s->w[i].path == NULL)
      return &s->w[i];
  return NULL;
}

static int any_busy(const supervisor* s)
{
  for (int i = 0; i < s->n; i++)
    if (s->w[i].path != NULL)
      return 1;
  return 0;
}

static int send_job(worker* w, const char* path, long long arg)
{
  wire_job j;
  memset(&j, 0, sizeof(j)); /* its padding too: valgrind checks sent bytes */
  j.arg = arg;
  j.path_len = (uint32_t) strlen(path);
  struct iovec iov[] = {{&j, sizeof(j)}, {(void*) path, j.path_len}};
  return send_parts(w->fd, iov, 2);
}

void supervise_add(supervisor* s, const char* path)
{
  worker* w;
  while ((w = idle_worker(s)) == NULL && any_busy(s)) pump(s);
  if (w == NULL)
  {
    s->o->on_lost(s->o->shared, path, "no scanning process could start");
    return;
  }
  /* Taken now, after the results that came in while waiting. */
  long long arg = s->o->job_arg != NULL ? s->o->job_arg(s->o->shared) : 0;
  w->path = strdup(path);
  w->started = now();
  if (w->path == NULL)
    s->o->on_lost(s->o->shared, path, strerror(ENOMEM));
  else if (send_job(w, path, arg) != 0)
  {
    /* An idle worker that cannot take a job died after its last reply
     * (read_reply stops at a whole reply, before the end-of-file): this
     * file was never begun, so it goes to a new worker.  Only if that one
     * fails too is the file lost, with the reason. */
    int status;
    reap(w, &status);
    if (respawn(s, w) != 0)
      lose(s, w, "no scanning process could start");
    else if (send_job(w, path, arg) != 0)
      replace(s, w, NULL);
  }
}

void supervise_finish(supervisor* s)
{
  while (any_busy(s)) pump(s);
  for (int i = 0; i < s->n; i++)
  {
    int status;
    if (s->w[i].pid != 0)
      reap(&s->w[i], &status);
    free(s->w[i].buf);
  }
  free(s);
}
