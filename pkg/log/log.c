/* log: see log.h. One line is built in a local buffer and written with one
 * fputs so lines from several threads never interleave. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum log_level min_level = LOG_INFO;
static int json_format;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

int log_set_level(const char *name)
{
	for (int i = 0; i <= LOG_ERROR; i++) {
		if (strcmp(name, level_names[i]) == 0) {
			min_level = i;
			return 0;
		}
	}
	return -1;
}

int log_set_format(const char *name)
{
	if (strcmp(name, "logfmt") && strcmp(name, "json"))
		return -1;
	json_format = strcmp(name, "json") == 0;
	return 0;
}

/* Appends s to buf at *pos, quoted and escaped for the current format. */
static void put_value(char *buf, size_t size, size_t *pos, const char *s)
{
	int quote = json_format || !*s || strpbrk(s, " =\"\t\n\\") != NULL;

	if (quote && *pos < size - 1)
		buf[(*pos)++] = '"';
	for (; *s && *pos < size - 3; s++) {
		if (*s == '"' || *s == '\\') {
			buf[(*pos)++] = '\\';
			buf[(*pos)++] = *s;
		} else if (*s == '\n') {
			buf[(*pos)++] = '\\';
			buf[(*pos)++] = 'n';
		} else if ((unsigned char)*s >= 0x20) {
			buf[(*pos)++] = *s;
		}
	}
	if (quote && *pos < size - 1)
		buf[(*pos)++] = '"';
}

static void put_pair(char *buf, size_t size, size_t *pos, const char *k,
		     const char *v, int first)
{
	int n;

	if (json_format)
		n = snprintf(buf + *pos, size - *pos, "%s\"%s\":",
			     first ? "{" : ",", k);
	else
		n = snprintf(buf + *pos, size - *pos, "%s%s=",
			     first ? "" : " ", k);
	/* A pair whose key and quotes do not fit is left out whole. */
	if (n < 0 || (size_t)n + 2 >= size - *pos)
		return;
	*pos += n;
	put_value(buf, size, pos, v);
}

void log_msg(enum log_level level, const char *msg, ...)
{
	char buf[2048], ts[64];
	size_t room = sizeof(buf) - 2;	/* the closing "}\n" always fits */
	size_t pos = 0;
	struct timespec now;
	struct tm tm;
	va_list ap;
	const char *k, *v;

	if (level < min_level)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, now.tv_nsec / 1000000);
	put_pair(buf, room, &pos, "ts", ts, 1);
	put_pair(buf, room, &pos, "level", level_names[level], 0);
	put_pair(buf, room, &pos, "msg", msg, 0);
	va_start(ap, msg);
	while ((k = va_arg(ap, const char *)) && (v = va_arg(ap, const char *)))
		put_pair(buf, room, &pos, k, v, 0);
	va_end(ap);
	snprintf(buf + pos, sizeof(buf) - pos, "%s\n", json_format ? "}" : "");
	fputs(buf, stderr);
}
