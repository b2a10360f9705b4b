/* log: leveled structured logging to stderr, logfmt or JSON.
 *
 * log_msg(LOG_WARN, "probe refused", "probe", name, "err", strerror(e), NULL)
 * prints: ts=... level=warn msg="probe refused" probe=x err="..."
 * Key/value pairs end with NULL. Thread-safe (one fputs per line).
 */
#ifndef FTE_LOG_H
#define FTE_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Returns 0, or -1 for an unknown level/format name. */
int log_set_level(const char *name);
int log_set_format(const char *name);
void log_msg(enum log_level level, const char *msg, ...)
	__attribute__((sentinel));

#endif
