/*
 * metrics_expo.c - renders the registry as Prometheus text exposition format
 * 0.0.4: HELP/TYPE per family, one line per series (every series, zeros
 * included, so rate() works from the first scrape), then process_* metrics.
 */
#include "metrics_internal.h"
#include "metrics_buf.h"
#include "process_metrics.h"

#include <stdlib.h>
#include <string.h>

/* Appends a label value with \\, \" and \n escaped. */
static void put_label_value(attune_mbuf *b, const char *v)
{
	const char *p;

	for (p = v; *p; p++) {
		if (*p == '\\')
			attune_mbuf_append(b, "\\\\", 2);
		else if (*p == '"')
			attune_mbuf_append(b, "\\\"", 2);
		else if (*p == '\n')
			attune_mbuf_append(b, "\\n", 2);
		else
			attune_mbuf_append(b, p, 1);
	}
}

/* Appends `{a="x",b="y"[,le="z"]}` (nothing when there are no labels). */
static void put_labels(attune_mbuf *b, const attune_mx_family *f, const size_t *idx, const char *le)
{
	size_t d;

	if (f->ndims == 0 && !le)
		return;
	attune_mbuf_append(b, "{", 1);
	for (d = 0; d < f->ndims; d++) {
		attune_mbuf_printf(b, "%s%s=\"", d ? "," : "", f->dims[d].label);
		put_label_value(b, f->dims[d].values[idx[d]]);
		attune_mbuf_append(b, "\"", 1);
	}
	if (le)
		attune_mbuf_printf(b, "%sle=\"%s\"", f->ndims ? "," : "", le);
	attune_mbuf_append(b, "}", 1);
}

static void put_sample(attune_mbuf *b, const attune_mx_family *f, const char *suffix,
                       const size_t *idx, const char *le, double v)
{
	attune_mbuf_printf(b, "%s%s", f->name, suffix);
	put_labels(b, f, idx, le);
	attune_mbuf_append(b, " ", 1);
	attune_mbuf_value(b, v);
	attune_mbuf_append(b, "\n", 1);
}

static void render_histogram(const attune_metrics *m, attune_mbuf *b, const attune_mx_family *f,
                             const size_t *idx, size_t first)
{
	const attune_mx_buckets *bk = f->buckets;
	uint64_t cum = 0;
	int64_t sum;
	size_t i;

	for (i = 0; i < bk->n; i++) {
		cum += attune_mx_cell_sum(m, first + i);
		put_sample(b, f, "_bucket", idx, bk->le[i], (double)cum);
	}
	cum += attune_mx_cell_sum(m, first + bk->n);
	put_sample(b, f, "_bucket", idx, "+Inf", (double)cum);
	sum = (int64_t)attune_mx_cell_sum(m, first + bk->n + 1);
	put_sample(b, f, "_sum", idx, NULL, (double)sum / bk->scale);
	put_sample(b, f, "_count", idx, NULL, (double)cum);
}

static void render_family(const attune_metrics *m, attune_mbuf *b, const attune_mx_family *f)
{
	static const char *const type_names[] = {"counter", "gauge", "histogram"};
	size_t s, idx[ATTUNE_MX_MAX_DIMS] = {0, 0};

	attune_mbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
	                   type_names[f->type]);
	for (s = 0; s < f->nseries; s++) {
		size_t first = f->offset + s * f->cells_per_series;
		if (f->ndims == 2) {
			idx[0] = s / f->dims[1].n;
			idx[1] = s % f->dims[1].n;
		} else {
			idx[0] = s;
		}
		if (f->type == ATTUNE_MX_HISTOGRAM)
			render_histogram(m, b, f, idx, first);
		else if (f->type == ATTUNE_MX_GAUGE)
			put_sample(b, f, "", idx, NULL,
			           (double)(int64_t)attune_mx_cell_sum(m, first));
		else
			put_sample(b, f, "", idx, NULL, (double)attune_mx_cell_sum(m, first));
	}
}

attune_metrics_status attune_metrics_render(const attune_metrics *m, char **out, size_t *out_len)
{
	attune_mbuf b;
	attune_process_stats ps;
	size_t i;

	if (!m || !out || !out_len)
		return ATTUNE_METRICS_E_INVALID;
	*out = NULL;
	*out_len = 0;
	attune_mbuf_init(&b, ATTUNE_METRICS_MAX_RENDER_BYTES);

	attune_mbuf_printf(&b, "# HELP attune_build_info Build of attuned and its scoring rules.\n"
	                       "# TYPE attune_build_info gauge\nattune_build_info{version=\"");
	put_label_value(&b, m->version);
	attune_mbuf_printf(&b, "\",scorer_version=\"");
	put_label_value(&b, m->scorer_version);
	attune_mbuf_printf(&b, "\"} 1\n");

	for (i = 0; i < ATTUNE_FAM_COUNT; i++)
		render_family(m, &b, &m->fam[i]);

	/* Without /proc the process metrics are left out; the rest still serves. */
	if (attune_process_stats_read(&ps) == ATTUNE_METRICS_OK)
		attune_process_stats_render(&ps, &b);

	if (b.failed) {
		attune_metrics_status st =
		    b.nomem ? ATTUNE_METRICS_E_NOMEM : ATTUNE_METRICS_E_TOO_LARGE;
		attune_mbuf_free(&b);
		return st;
	}
	*out = attune_mbuf_take(&b, out_len);
	return ATTUNE_METRICS_OK;
}
