/*
 * cli_args.c - a tiny long-option scanner for the attune CLI ("--name=value"
 * or "--name value"), number parsing, bounded file reading and the one
 * error-line format: `attune: <what>: <CODE>: <message>`.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_args_init(cli_args *a, const char *cmd, int argc, char **argv, int start)
{
	memset(a, 0, sizeof(*a));
	a->argc = argc;
	a->argv = argv;
	a->i = start;
	a->cmd = cmd;
}

int cli_args_next(cli_args *a)
{
	const char *arg, *eq;
	size_t n;

	if (a->i >= a->argc)
		return 0;
	arg = a->argv[a->i++];
	if (strcmp(arg, "-h") == 0) {
		a->name = "help";
		a->inline_value = NULL;
		return 1;
	}
	if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
		fprintf(stderr,
		        "attune: %s: unexpected argument (flags start with --); see --help\n",
		        a->cmd);
		return -1;
	}
	arg += 2;
	eq = strchr(arg, '=');
	n = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
	if (n >= sizeof(a->namebuf)) {
		fprintf(stderr, "attune: %s: unknown flag; see --help\n", a->cmd);
		return -1;
	}
	memcpy(a->namebuf, arg, n);
	a->namebuf[n] = '\0';
	a->name = a->namebuf;
	a->inline_value = eq != NULL ? eq + 1 : NULL;
	return 1;
}

const char *cli_args_value(cli_args *a)
{
	if (a->inline_value != NULL)
		return a->inline_value;
	if (a->i >= a->argc) {
		fprintf(stderr, "attune: %s: --%s needs a value\n", a->cmd, a->name);
		return NULL;
	}
	return a->argv[a->i++];
}

int cli_args_no_value(cli_args *a)
{
	if (a->inline_value == NULL)
		return 0;
	fprintf(stderr, "attune: %s: --%s takes no value\n", a->cmd, a->name);
	return -1;
}

int cli_parse_uint(const char *cmd, const char *flag, const char *s, unsigned min, unsigned max,
                   unsigned *out)
{
	char *end = NULL;
	unsigned long v;

	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		goto bad;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		goto bad;
	*out = (unsigned)v;
	return 0;
bad:
	fprintf(stderr, "attune: %s: --%s must be a number from %u to %u\n", cmd, flag, min, max);
	return -1;
}

void cli_print_error(const char *what, const attune_client_error *err)
{
	fprintf(stderr, "attune: %s: %s: %s\n", what, attune_client_code_name(err->code),
	        err->message);
}

int cli_read_file(const char *cmd, const char *flag, const char *path, size_t max, char **out,
                  size_t *len)
{
	FILE *f;
	char *buf;
	size_t n;
	int is_stdin = strcmp(path, "-") == 0;
	int rc = -1;

	*out = NULL;
	*len = 0;
	f = is_stdin ? stdin : fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "attune: %s: --%s: cannot open file: %s\n", cmd, flag,
		        strerror(errno));
		return -1;
	}
	buf = malloc(max + 1);
	if (buf == NULL) {
		fprintf(stderr, "attune: %s: out of memory\n", cmd);
		goto out_close;
	}
	n = fread(buf, 1, max + 1, f);
	if (ferror(f)) {
		fprintf(stderr, "attune: %s: --%s: cannot read file\n", cmd, flag);
		goto out_free;
	}
	if (n > max) {
		fprintf(stderr, "attune: %s: --%s: file is larger than %zu bytes\n", cmd, flag,
		        max);
		goto out_free;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
	rc = 0;
out_free:
	free(buf);
out_close:
	if (!is_stdin)
		fclose(f);
	return rc;
}

int cli_args_uint(cli_args *a, unsigned min, unsigned max, unsigned *out)
{
	const char *v = cli_args_value(a);
	return (v != NULL && cli_parse_uint(a->cmd, a->name, v, min, max, out) == 0) ? 1 : -1;
}

int cli_args_string(cli_args *a, const char **out)
{
	*out = cli_args_value(a);
	return *out != NULL ? 1 : -1;
}

int cli_args_flag(cli_args *a, int *flag)
{
	*flag = 1;
	return cli_args_no_value(a) == 0 ? 1 : -1;
}

int cli_args_flag_done(const cli_args *a, int r)
{
	if (r < 0)
		return CLI_EXIT_USAGE;
	if (r == 0) {
		fprintf(stderr, "attune: %s: unknown flag --%s; see --help\n", a->cmd, a->name);
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}
