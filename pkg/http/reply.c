/* http/reply: making and queueing responses. Every response of the server
 * (pages, errors, 401, 403) leaves through http_queue(), which adds the
 * headers of the daemon's web config (http_server_config), so none can
 * miss them, and "Connection: close" once the daemon is retired.
 */
#include <string.h>

#include "http/internal.h"
#include "webcfg/webcfg.h"


/* Makes a response carrying content type ctype from a body that stays
 * the caller's (mode PERSISTENT or MUST_COPY); NULL on failure. */
struct MHD_Response *http_response(const char *body, size_t len,
				   enum MHD_ResponseMemoryMode mode,
				   const char *ctype)
{
	struct MHD_Response *r;

	r = MHD_create_response_from_buffer(len, (void *)body, mode);
	if (r && MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
					 ctype) == MHD_NO) {
		MHD_destroy_response(r);
		r = NULL;
	}
	return r;
}

/* Adds d's web config's extra headers to r, and "Connection: close" when
 * d is retired (the client reconnects to its successor); false on
 * failure. */
static bool add_web_headers(const struct http_daemon *d,
			    struct MHD_Response *r)
{
	const struct webcfg *web = d->web;
	const struct webcfg_pair *h;

	for (int i = 0; web && i < webcfg_header_count(web); i++) {
		h = webcfg_header(web, i);
		if (MHD_add_response_header(r, h->name, h->value) == MHD_NO)
			return false;
	}
	return !http_daemon_retired(d) ||
	       MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION,
				       "close") == MHD_YES;
}

/* Queues r (which may be NULL after a failed allocation) with d's web
 * config's headers, and drops our reference to it. MHD_NO closes the
 * connection. */
enum MHD_Result http_queue(const struct http_daemon *d,
			   struct MHD_Connection *c, unsigned status,
			   struct MHD_Response *r)
{
	enum MHD_Result ret = MHD_NO;

	if (!r)
		return MHD_NO;
	if (add_web_headers(d, r))
		ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Replies with a static plain-text body and, when name is not NULL, the
 * header name: value. */
enum MHD_Result http_reply_text_hdr(const struct http_daemon *d,
				    struct MHD_Connection *c, unsigned status,
				    const char *text, const char *name,
				    const char *value)
{
	struct MHD_Response *r = http_response(text, strlen(text),
					       MHD_RESPMEM_PERSISTENT,
					       HTTP_TEXT_PLAIN);

	if (r && name && MHD_add_response_header(r, name, value) == MHD_NO) {
		MHD_destroy_response(r);
		r = NULL;
	}
	return http_queue(d, c, status, r);
}

enum MHD_Result http_reply_text(const struct http_daemon *d,
				struct MHD_Connection *c, unsigned status,
				const char *text)
{
	return http_reply_text_hdr(d, c, status, text, NULL, NULL);
}
