/*
 * attune_harness.c - runs the real attuned for C end-to-end tests: fork/exec
 * into its own process group, bounded poll on the ready file, signals, waits
 * and cleanup that also happens when the test process dies.
 */
#define _GNU_SOURCE
#include "attune_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define HARNESS_MAX_LIVE 32
#define HARNESS_MAX_ARGS 256
#define HARNESS_MAX_READY_BYTES 8192
#define HARNESS_MAX_LOG_BYTES (16u << 20)
#define HARNESS_POLL_NS 5000000L /* 5 ms between polls */
#define HARNESS_DEFAULT_READY_MS 15000
#define HARNESS_DESTROY_TERM_MS 5000

struct attune_harness {
	char *binary;
	char *tmpdir;
	char *ready_path;
	char *log_path;
	char *sock_path;
	pid_t pid; /* 0 when not running (or reaped) */
	int last_wstatus;
	int slot; /* index in the live registry, -1 if none */
	char *grpc_tcp;
	char *grpc_unix;
	char *metrics;
	int grpc_port;
	int metrics_port;
};

/*
 * The only mutable file-level state, on purpose: atexit() and signal handlers
 * take no context, yet they must kill every attuned this process started.
 * live_pgid is read by the signal handler (sig_atomic_t); live_h by atexit.
 */
static volatile sig_atomic_t live_pgid[HARNESS_MAX_LIVE];
static attune_harness *live_h[HARNESS_MAX_LIVE];
static int hooks_installed;
static const int fatal_signals[] = {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL,
				    SIGINT,  SIGTERM, SIGHUP, SIGQUIT};
#define N_FATAL (sizeof(fatal_signals) / sizeof(fatal_signals[0]))
static struct sigaction old_actions[N_FATAL];

const char *attune_harness_strerror(attune_harness_status st)
{
	switch (st) {
	case ATTUNE_HARNESS_OK:
		return "ok";
	case ATTUNE_HARNESS_E_ARG:
		return "invalid argument";
	case ATTUNE_HARNESS_E_SYS:
		return "system call failed";
	case ATTUNE_HARNESS_E_EXITED:
		return "attuned exited before it was ready";
	case ATTUNE_HARNESS_E_TIMEOUT:
		return "timed out";
	case ATTUNE_HARNESS_E_PARSE:
		return "malformed ready file";
	case ATTUNE_HARNESS_E_STATE:
		return "wrong state (already running or not running)";
	}
	return "unknown harness status";
}

/* ------------------------------------------------------------ safety net */

static void kill_all_live(void)
{
	for (int i = 0; i < HARNESS_MAX_LIVE; i++) {
		pid_t pg = (pid_t)live_pgid[i];
		if (pg > 0)
			kill(-pg, SIGKILL);
	}
}

static void fatal_signal_handler(int sig)
{
	int saved = errno;
	kill_all_live();
	for (size_t i = 0; i < N_FATAL; i++) {
		if (fatal_signals[i] == sig) {
			sigaction(sig, &old_actions[i], NULL);
			break;
		}
	}
	errno = saved;
	/* Synchronous faults re-fault on return and reach the previous handler
	 * (e.g. the sanitizer's); the rest are re-raised. */
	if (sig != SIGSEGV && sig != SIGBUS && sig != SIGFPE && sig != SIGILL)
		raise(sig);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void remove_tree(const char *dir)
{
	if (dir == NULL)
		return;
	const char *keep = getenv("ATTUNE_HARNESS_KEEP_TMP");
	if (keep != NULL && keep[0] == '1') {
		fprintf(stderr, "attune_harness: keeping %s\n", dir);
		return;
	}
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void atexit_cleanup(void)
{
	kill_all_live();
	for (int i = 0; i < HARNESS_MAX_LIVE; i++) {
		attune_harness *h = live_h[i];
		if (h == NULL)
			continue;
		if (h->pid > 0)
			waitpid(h->pid, NULL, 0);
		remove_tree(h->tmpdir);
		live_h[i] = NULL;
		live_pgid[i] = 0;
	}
}

static void install_hooks(void)
{
	if (hooks_installed)
		return;
	hooks_installed = 1;
	atexit(atexit_cleanup);
	for (size_t i = 0; i < N_FATAL; i++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = fatal_signal_handler;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_NODEFER;
		sigaction(fatal_signals[i], &sa, &old_actions[i]);
	}
}

static int registry_add(attune_harness *h)
{
	for (int i = 0; i < HARNESS_MAX_LIVE; i++) {
		if (live_h[i] == NULL) {
			live_h[i] = h;
			live_pgid[i] = 0;
			return i;
		}
	}
	return -1;
}

static void registry_set_pgid(const attune_harness *h, pid_t pg)
{
	if (h->slot >= 0)
		live_pgid[h->slot] = (sig_atomic_t)pg;
}

static void registry_remove(attune_harness *h)
{
	if (h->slot >= 0) {
		live_pgid[h->slot] = 0;
		live_h[h->slot] = NULL;
		h->slot = -1;
	}
}

/* --------------------------------------------------------------- helpers */

/* Returns malloc'd a + b, or NULL. */
static char *concat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);
	if (s != NULL) {
		memcpy(s, a, la);
		memcpy(s + la, b, lb + 1);
	}
	return s;
}

/* Returns a malloc'd copy of `in` with every "{tmp}" replaced by `tmp`. */
static char *expand_tmp(const char *in, const char *tmp)
{
	size_t tl = strlen(tmp), n = 0;
	for (const char *p = in; (p = strstr(p, "{tmp}")) != NULL; p += 5)
		n++;
	char *out = malloc(strlen(in) + n * tl + 1);
	if (out == NULL)
		return NULL;
	char *w = out;
	const char *p = in;
	const char *hit;
	while ((hit = strstr(p, "{tmp}")) != NULL) {
		memcpy(w, p, (size_t)(hit - p));
		w += hit - p;
		memcpy(w, tmp, tl);
		w += tl;
		p = hit + 5;
	}
	strcpy(w, p);
	return out;
}

static void sleep_poll(void)
{
	struct timespec ts = {0, HARNESS_POLL_NS};
	nanosleep(&ts, NULL);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void free_listeners(attune_harness *h)
{
	free(h->grpc_tcp);
	free(h->grpc_unix);
	free(h->metrics);
	h->grpc_tcp = h->grpc_unix = h->metrics = NULL;
	h->grpc_port = h->metrics_port = 0;
}

static void free_strv(char **v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* ------------------------------------------------------------- lifecycle */

attune_harness_status attune_harness_create(const char *binary, attune_harness **out)
{
	if (out == NULL)
		return ATTUNE_HARNESS_E_ARG;
	*out = NULL;
	if (binary == NULL || binary[0] == '\0')
		return ATTUNE_HARNESS_E_ARG;
	install_hooks();

	attune_harness *h = calloc(1, sizeof(*h));
	if (h == NULL)
		return ATTUNE_HARNESS_E_SYS;
	h->slot = -1;
	const char *base = getenv("TMPDIR");
	if (base == NULL || base[0] == '\0' || strlen(base) > 60)
		base = "/tmp"; /* keep the socket path under 108 bytes */
	h->binary = strdup(binary);
	h->tmpdir = concat(base, "/attune-test-XXXXXX");
	if (h->binary == NULL || h->tmpdir == NULL)
		goto out_free;
	if (mkdtemp(h->tmpdir) == NULL) {
		free(h->tmpdir);
		h->tmpdir = NULL;
		goto out_free;
	}
	h->ready_path = concat(h->tmpdir, "/ready");
	h->log_path = concat(h->tmpdir, "/attuned.log");
	h->sock_path = concat(h->tmpdir, "/attuned.sock");
	if (h->ready_path == NULL || h->log_path == NULL || h->sock_path == NULL)
		goto out_free;
	h->slot = registry_add(h);
	*out = h;
	return ATTUNE_HARNESS_OK;

out_free:
	attune_harness_destroy(h);
	return ATTUNE_HARNESS_E_SYS;
}

/* Builds argv; *n_grpc gets the number of grpc listeners to wait for. */
static char **build_argv(const attune_harness *h, const attune_harness_opts *o, int *n_grpc)
{
	char **argv = calloc(HARNESS_MAX_ARGS + 1, sizeof(char *));
	size_t n = 0;
	int listens = 0;
	if (argv == NULL)
		return NULL;
#define PUSH(expr)                                                                                 \
	do {                                                                                       \
		if (n >= HARNESS_MAX_ARGS || (argv[n] = (expr)) == NULL)                           \
			goto out_fail;                                                             \
		n++;                                                                               \
	} while (0)
	PUSH(strdup(h->binary));
	PUSH(strdup("--ready-file"));
	PUSH(strdup(h->ready_path));
	if (o->listen_tcp) {
		PUSH(strdup("--listen"));
		PUSH(strdup("127.0.0.1:0"));
		listens++;
	}
	if (o->listen_unix) {
		PUSH(strdup("--listen"));
		PUSH(concat("unix:", h->sock_path));
		listens++;
	}
	int metrics_given = 0;
	for (size_t i = 0; o->extra_args != NULL && o->extra_args[i] != NULL; i++) {
		const char *a = o->extra_args[i];
		if (strncmp(a, "--metrics-listen", 16) == 0 || strncmp(a, "--no-metrics", 12) == 0)
			metrics_given = 1;
	}
	if (!metrics_given) {
		/* Never the fixed default port: tests run in parallel. */
		PUSH(strdup("--metrics-listen"));
		PUSH(strdup("127.0.0.1:0"));
	}
	for (size_t i = 0; o->extra_args != NULL && o->extra_args[i] != NULL; i++) {
		const char *a = o->extra_args[i];
		if (strcmp(a, "--listen") == 0 || strncmp(a, "--listen=", 9) == 0)
			listens++;
		PUSH(expand_tmp(a, h->tmpdir));
	}
#undef PUSH
	*n_grpc = listens > 0 ? listens : 1; /* attuned's default is one listener */
	return argv;
out_fail:
	free_strv(argv);
	return NULL;
}

/* The test's environment without ATTUNE_* (so a developer's settings cannot
 * change a test), plus the extra entries. */
static char **build_envp(const attune_harness *h, const attune_harness_opts *o)
{
	size_t n = 0, extra = 0;
	while (environ[n] != NULL)
		n++;
	while (o->extra_env != NULL && o->extra_env[extra] != NULL)
		extra++;
	char **envp = calloc(n + extra + 1, sizeof(char *));
	size_t w = 0;
	if (envp == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(environ[i], "ATTUNE_", 7) == 0)
			continue;
		if ((envp[w] = strdup(environ[i])) == NULL)
			goto out_fail;
		w++;
	}
	for (size_t i = 0; i < extra; i++) {
		if ((envp[w] = expand_tmp(o->extra_env[i], h->tmpdir)) == NULL)
			goto out_fail;
		w++;
	}
	return envp;
out_fail:
	free_strv(envp);
	return NULL;
}

/* Parses "<addr>" of a ready line into a malloc'd copy and its port. */
static int parse_addr(const char *addr, char **copy, int *port)
{
	if (addr[0] == '\0')
		return -1;
	*copy = strdup(addr);
	if (*copy == NULL)
		return -1;
	*port = 0;
	if (strncmp(addr, "unix:", 5) == 0)
		return 0;
	const char *colon = strrchr(addr, ':');
	if (colon == NULL)
		return -1;
	char *end = NULL;
	long p = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end != '\0' || p <= 0 || p > 65535)
		return -1;
	*port = (int)p;
	return 0;
}

/* Reads the ready file. Returns 1 when it is complete (all expected lines),
 * 0 when not yet, -1 on a malformed line. */
static int read_ready(attune_harness *h, int n_grpc, int want_metrics)
{
	char buf[HARNESS_MAX_READY_BYTES + 1];
	int fd = open(h->ready_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t len = read(fd, buf, HARNESS_MAX_READY_BYTES);
	close(fd);
	if (len <= 0 || buf[len - 1] != '\n')
		return 0; /* absent, empty or still being written */
	buf[len] = '\0';

	free_listeners(h);
	int grpc = 0, metrics = 0;
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		if (sp == NULL)
			return -1;
		*sp = '\0';
		const char *addr = sp + 1;
		int rc = 0;
		if (strcmp(line, "grpc") == 0) {
			grpc++;
			if (strncmp(addr, "unix:", 5) == 0) {
				int unused;
				if (h->grpc_unix == NULL)
					rc = parse_addr(addr, &h->grpc_unix, &unused);
			} else if (h->grpc_tcp == NULL) {
				rc = parse_addr(addr, &h->grpc_tcp, &h->grpc_port);
			}
		} else if (strcmp(line, "metrics") == 0) {
			metrics++;
			if (h->metrics == NULL)
				rc = parse_addr(addr, &h->metrics, &h->metrics_port);
		} /* other kinds (future listeners) are ignored */
		if (rc != 0)
			return -1;
	}
	if (grpc < n_grpc || (want_metrics && metrics == 0))
		return 0;
	return 1;
}

static void reap_if_exited(attune_harness *h, int block)
{
	if (h->pid <= 0)
		return;
	int st = 0;
	pid_t r = waitpid(h->pid, &st, block ? 0 : WNOHANG);
	if (r == h->pid) {
		h->last_wstatus = st;
		h->pid = 0;
		registry_set_pgid(h, 0);
	}
}

attune_harness_status attune_harness_start(attune_harness *h, const attune_harness_opts *opts)
{
	attune_harness_opts defaults = ATTUNE_HARNESS_OPTS_INIT;
	const attune_harness_opts *o = opts != NULL ? opts : &defaults;
	attune_harness_status st = ATTUNE_HARNESS_E_SYS;
	char **argv = NULL, **envp = NULL;
	int n_grpc = 1;

	if (h == NULL)
		return ATTUNE_HARNESS_E_ARG;
	if (h->pid > 0)
		return ATTUNE_HARNESS_E_STATE;
	unlink(h->ready_path);
	unlink(h->sock_path);
	free_listeners(h);

	argv = build_argv(h, o, &n_grpc);
	envp = build_envp(h, o);
	if (argv == NULL || envp == NULL)
		goto out_free;
	int logfd = open(h->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (logfd < 0)
		goto out_free;

	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		close(logfd);
		goto out_free;
	}
	if (pid == 0) {
		/* Child: only async-signal-safe calls until execve. */
		sigset_t all;
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		for (size_t i = 0; i < N_FATAL; i++)
			signal(fatal_signals[i], SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		int nullfd = open("/dev/null", O_RDONLY);
		if (nullfd >= 0)
			dup2(nullfd, 0);
		dup2(logfd, 1);
		dup2(logfd, 2);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	close(logfd);
	setpgid(pid, pid); /* also here: no race with the child's own call */
	h->pid = pid;
	registry_set_pgid(h, pid);

	int timeout = o->ready_timeout_ms > 0 ? o->ready_timeout_ms : HARNESS_DEFAULT_READY_MS;
	int64_t deadline = now_ms() + timeout;
	for (;;) {
		int r = read_ready(h, n_grpc, o->expect_metrics);
		if (r == 1) {
			st = ATTUNE_HARNESS_OK;
			break;
		}
		if (r < 0) {
			st = ATTUNE_HARNESS_E_PARSE;
			break;
		}
		reap_if_exited(h, 0);
		if (h->pid == 0) {
			st = ATTUNE_HARNESS_E_EXITED;
			break;
		}
		if (now_ms() >= deadline) {
			st = ATTUNE_HARNESS_E_TIMEOUT;
			break;
		}
		sleep_poll();
	}
	if (st != ATTUNE_HARNESS_OK && h->pid > 0) {
		kill(-h->pid, SIGKILL);
		reap_if_exited(h, 1);
	}

out_free:
	free_strv(argv);
	free_strv(envp);
	return st;
}

attune_harness_status attune_harness_spawn(const char *binary, const attune_harness_opts *opts,
					   attune_harness **out)
{
	attune_harness *h = NULL;
	if (out == NULL)
		return ATTUNE_HARNESS_E_ARG;
	*out = NULL;
	attune_harness_status st = attune_harness_create(binary, &h);
	if (st != ATTUNE_HARNESS_OK)
		return st;
	st = attune_harness_start(h, opts);
	if (st != ATTUNE_HARNESS_OK) {
		fprintf(stderr, "attune_harness: start %s: %s\n", binary,
			attune_harness_strerror(st));
		attune_harness_dump_log(h, stderr);
		attune_harness_destroy(h);
		return st;
	}
	*out = h;
	return ATTUNE_HARNESS_OK;
}

/* ------------------------------------------------------------- accessors */

const char *attune_harness_grpc_tcp_target(const attune_harness *h)
{
	return h != NULL ? h->grpc_tcp : NULL;
}

const char *attune_harness_grpc_unix_target(const attune_harness *h)
{
	return h != NULL ? h->grpc_unix : NULL;
}

int attune_harness_grpc_port(const attune_harness *h)
{
	return h != NULL ? h->grpc_port : 0;
}

const char *attune_harness_metrics_addr(const attune_harness *h)
{
	return h != NULL ? h->metrics : NULL;
}

int attune_harness_metrics_port(const attune_harness *h)
{
	return h != NULL ? h->metrics_port : 0;
}

const char *attune_harness_tmpdir(const attune_harness *h)
{
	return h->tmpdir;
}

const char *attune_harness_log_path(const attune_harness *h)
{
	return h->log_path;
}

pid_t attune_harness_pid(const attune_harness *h)
{
	return h != NULL ? h->pid : 0;
}

/* --------------------------------------------------------- signals, exit */

attune_harness_status attune_harness_signal(attune_harness *h, int sig)
{
	if (h == NULL)
		return ATTUNE_HARNESS_E_ARG;
	reap_if_exited(h, 0);
	if (h->pid <= 0)
		return ATTUNE_HARNESS_E_STATE;
	return kill(h->pid, sig) == 0 ? ATTUNE_HARNESS_OK : ATTUNE_HARNESS_E_SYS;
}

attune_harness_status attune_harness_poll_exit(attune_harness *h, int *wstatus)
{
	if (h == NULL)
		return ATTUNE_HARNESS_E_ARG;
	reap_if_exited(h, 0);
	if (h->pid > 0)
		return ATTUNE_HARNESS_E_TIMEOUT;
	if (wstatus != NULL)
		*wstatus = h->last_wstatus;
	return ATTUNE_HARNESS_OK;
}

attune_harness_status attune_harness_wait_exit(attune_harness *h, int timeout_ms, int *wstatus)
{
	if (h == NULL)
		return ATTUNE_HARNESS_E_ARG;
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	for (;;) {
		if (attune_harness_poll_exit(h, wstatus) == ATTUNE_HARNESS_OK)
			return ATTUNE_HARNESS_OK;
		if (now_ms() >= deadline)
			return ATTUNE_HARNESS_E_TIMEOUT;
		sleep_poll();
	}
}

attune_harness_status attune_harness_stop(attune_harness *h, int term_timeout_ms, int *wstatus)
{
	if (h == NULL)
		return ATTUNE_HARNESS_E_ARG;
	reap_if_exited(h, 0);
	if (h->pid > 0) {
		pid_t pg = h->pid;
		kill(h->pid, SIGTERM);
		if (attune_harness_wait_exit(h, term_timeout_ms, NULL) != ATTUNE_HARNESS_OK) {
			fprintf(stderr, "attune_harness: attuned %d ignored SIGTERM for %d ms; killing\n",
				(int)pg, term_timeout_ms);
			kill(-pg, SIGKILL);
			reap_if_exited(h, 1);
		}
		kill(-pg, SIGKILL); /* anything the server left in its group */
	}
	if (wstatus != NULL)
		*wstatus = h->last_wstatus;
	return ATTUNE_HARNESS_OK;
}

/* ------------------------------------------------------------------ logs */

char *attune_harness_read_log(const attune_harness *h)
{
	if (h == NULL)
		return NULL;
	FILE *f = fopen(h->log_path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	while (buf != NULL) {
		if (len + 1 >= cap) {
			if (cap >= HARNESS_MAX_LOG_BYTES)
				break;
			char *nb = realloc(buf, cap * 2);
			if (nb == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		size_t r = fread(buf + len, 1, cap - len - 1, f);
		if (r == 0)
			break;
		len += r;
	}
	fclose(f);
	if (buf != NULL)
		buf[len] = '\0';
	return buf;
}

void attune_harness_dump_log(const attune_harness *h, FILE *out)
{
	char line[4096];
	if (h == NULL || out == NULL)
		return;
	FILE *f = fopen(h->log_path, "r");
	if (f == NULL)
		return;
	fprintf(out, "---- %s ----\n", h->log_path);
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t l = strlen(line);
		fprintf(out, "attuned| %s%s", line, (l > 0 && line[l - 1] == '\n') ? "" : "\n");
	}
	fprintf(out, "---- end of attuned log ----\n");
	fclose(f);
}

void attune_harness_destroy(attune_harness *h)
{
	if (h == NULL)
		return;
	attune_harness_stop(h, HARNESS_DESTROY_TERM_MS, NULL);
	registry_remove(h);
	remove_tree(h->tmpdir);
	free_listeners(h);
	free(h->binary);
	free(h->tmpdir);
	free(h->ready_path);
	free(h->log_path);
	free(h->sock_path);
	free(h);
}
