/*
 * process_metrics.c - reads /proc/self/stat, /proc/stat (boot time),
 * /proc/self/fd and RLIMIT_NOFILE for the process_* metrics.
 */
#define _POSIX_C_SOURCE 200809L
#include "process_metrics.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Reads up to cap-1 bytes of a small /proc file into buf (NUL-terminated). */
static int read_small_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (len + 1 < cap && (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	return len > 0 ? 0 : -1;
}

/* Boot time (seconds since the epoch) from the "btime" line of /proc/stat. */
static int read_boot_time(double *out)
{
	FILE *f = fopen("/proc/stat", "re");
	char line[512];
	int rc = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long bt;
		if (sscanf(line, "btime %llu", &bt) == 1) {
			*out = (double)bt;
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

static int count_open_fds(uint64_t *out)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	uint64_t n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	*out = n > 0 ? n - 1 : 0; /* the directory's own descriptor */
	return 0;
}

attune_metrics_status attune_process_stats_read(attune_process_stats *out)
{
	char buf[1024];
	const char *p;
	unsigned long long utime, stime, starttime, vsize;
	long long rss;
	long ticks = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	double boot;
	struct rlimit rl;

	memset(out, 0, sizeof(*out));
	if (ticks <= 0 || page <= 0)
		return ATTUNE_METRICS_E_IO;
	if (read_small_file("/proc/self/stat", buf, sizeof(buf)) != 0)
		return ATTUNE_METRICS_E_IO;
	/* The command name (field 2) is in parentheses and may contain
	 * anything, so parse from the last ')': field 3 (state) follows. */
	p = strrchr(buf, ')');
	if (!p)
		return ATTUNE_METRICS_E_IO;
	if (sscanf(p + 1,
	           " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d "
	           "%*d %llu %llu %lld",
	           &utime, &stime, &starttime, &vsize, &rss) != 5)
		return ATTUNE_METRICS_E_IO;
	if (read_boot_time(&boot) != 0)
		return ATTUNE_METRICS_E_IO;
	if (count_open_fds(&out->open_fds) != 0)
		return ATTUNE_METRICS_E_IO;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return ATTUNE_METRICS_E_IO;
	out->cpu_seconds = (double)(utime + stime) / (double)ticks;
	out->start_time_seconds = boot + (double)starttime / (double)ticks;
	out->virtual_bytes = vsize;
	out->resident_bytes = rss > 0 ? (uint64_t)rss * (uint64_t)page : 0;
	out->max_fds = rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_cur;
	return ATTUNE_METRICS_OK;
}

static int render_one(attune_mbuf *b, const char *name, const char *type, const char *help,
                      double v)
{
	attune_mbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s ", name, help, name, type, name);
	attune_mbuf_value(b, v);
	return attune_mbuf_append(b, "\n", 1);
}

int attune_process_stats_render(const attune_process_stats *s, attune_mbuf *b)
{
	render_one(b, "process_cpu_seconds_total", "counter",
	           "Total user and system CPU time spent in seconds.", s->cpu_seconds);
	render_one(b, "process_open_fds", "gauge", "Number of open file descriptors.",
	           (double)s->open_fds);
	render_one(b, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
	           (double)s->max_fds);
	render_one(b, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
	           (double)s->virtual_bytes);
	render_one(b, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
	           (double)s->resident_bytes);
	return render_one(b, "process_start_time_seconds", "gauge",
	                  "Start time of the process since unix epoch in seconds.",
	                  s->start_time_seconds);
}
