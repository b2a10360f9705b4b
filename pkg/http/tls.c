/* http/tls: TLS from the web config. http_tls_options() gives libmicrohttpd
 * the certificate, key, client CA and a gnutls priority string holding only
 * the versions from min_version to max_version.
 *
 * The client certificate policy (client_auth_type) is enforced twice. A
 * connection hook asks gnutls to request or require a certificate and, for
 * the verifying policies, to verify it against client_ca_file as soon as
 * it arrives, so that a missing or untrusted certificate fails the
 * handshake, as with Go's crypto/tls. Then http_tls_peer_ok() checks the
 * peer again before each request is served (the server answers 403).
 *
 * Verifying also checks the extended key usage for client authentication,
 * as Go does for exporter-toolkit (x509.VerifyOptions.KeyUsages =
 * ExtKeyUsageClientAuth): a certificate whose EKU leaves out clientAuth
 * (a server certificate of the same CA, say) is refused; one without the
 * extension is taken for any use, in Go and gnutls alike.
 */
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdint.h>
#include <stdio.h>

#include "http/internal.h"
#include "webcfg/webcfg.h"

static const char *const version_prio[] = {
	[WEBCFG_TLS10] = "+VERS-TLS1.0",
	[WEBCFG_TLS11] = "+VERS-TLS1.1",
	[WEBCFG_TLS12] = "+VERS-TLS1.2",
	[WEBCFG_TLS13] = "+VERS-TLS1.3",
};

/* What a client certificate must be good for (gnutls checks the chain). */
static gnutls_typed_vdata_st client_purpose = {
	.type = GNUTLS_DT_KEY_PURPOSE_OID,
	.data = (void *)GNUTLS_KP_TLS_WWW_CLIENT,
};

/* True when the peer of session s satisfies policy a: a certificate if
 * one is required, and a valid chain to the client CA if one is given
 * and the policy verifies. */
static bool peer_ok(gnutls_session_t s, enum webcfg_client_auth a)
{
	unsigned int n = 0, status = 0;

	if (!gnutls_certificate_get_peers(s, &n) || !n)
		return !webcfg_client_auth_requires(a);
	if (!webcfg_client_auth_verifies(a))
		return true;
	return gnutls_certificate_verify_peers(s, &client_purpose, 1,
					       &status) == 0 && !status;
}

/* gnutls verify callbacks, run when the client's certificate arrives (or
 * does not); non-zero fails the handshake. */
static int verify_if_given(gnutls_session_t s)
{
	return peer_ok(s, WEBCFG_VERIFY_CLIENT_CERT_IF_GIVEN) ? 0 : -1;
}

static int verify_required(gnutls_session_t s)
{
	return peer_ok(s, WEBCFG_REQUIRE_AND_VERIFY_CLIENT_CERT) ? 0 : -1;
}

/* Sets up the client certificate policy of a new TLS connection, before
 * its handshake (daemon.c's connection hook calls it). Without a policy,
 * or without a session, it does nothing; http_tls_peer_ok() then refuses
 * the requests of a connection that has no session. */
void http_tls_session_start(const struct http_daemon *d,
			    struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;
	enum webcfg_client_auth a;
	gnutls_session_t s;

	if (!d->web || !webcfg_tls(d->web))
		return;
	a = webcfg_client_auth(d->web);
	if (a == WEBCFG_NO_CLIENT_CERT)
		return;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!ci || !ci->tls_session)
		return;
	s = ci->tls_session;
	gnutls_certificate_server_set_request(s, webcfg_client_auth_requires(a) ?
					      GNUTLS_CERT_REQUIRE :
					      GNUTLS_CERT_REQUEST);
	if (a == WEBCFG_VERIFY_CLIENT_CERT_IF_GIVEN)
		gnutls_session_set_verify_function(s, verify_if_given);
	else if (a == WEBCFG_REQUIRE_AND_VERIFY_CLIENT_CERT)
		gnutls_session_set_verify_function(s, verify_required);
}

/* Writes gnutls' NORMAL priorities restricted to the configured TLS
 * versions into d->priorities. */
static void build_priorities(struct http_daemon *d)
{
	const struct webcfg *web = d->web;
	size_t len;

	len = snprintf(d->priorities, sizeof(d->priorities),
		       "NORMAL:%%SERVER_PRECEDENCE:-VERS-ALL");
	for (unsigned int v = webcfg_min_version(web);
	     v <= webcfg_max_version(web); v++)
		len += snprintf(d->priorities + len,
				sizeof(d->priorities) - len, ":%s",
				version_prio[v]);
}

static struct MHD_OptionItem item(enum MHD_OPTION option, intptr_t value,
				  const void *ptr)
{
	return (struct MHD_OptionItem){ option, value, (void *)ptr };
}

/* Fills items (HTTP_TLS_ITEMS of them, ending with MHD_OPTION_END) with
 * the TLS options of d's web config and adds MHD_USE_TLS to *flags; with
 * no web config or no TLS only the end. The strings stay the web
 * config's (d's copy). Returns 0, or -1 with ENOTSUP when libmicrohttpd
 * was built without TLS. */
int http_tls_options(struct http_daemon *d, struct MHD_OptionItem *items,
		     unsigned int *flags)
{
	const struct webcfg *web = d->web;
	int n = 0;

	if (!web || !webcfg_tls(web))
		goto end;
	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		errno = ENOTSUP;
		return -1;
	}
	build_priorities(d);
	*flags |= MHD_USE_TLS;
	items[n++] = item(MHD_OPTION_HTTPS_MEM_CERT, 0, webcfg_cert_pem(web));
	items[n++] = item(MHD_OPTION_HTTPS_MEM_KEY, 0, webcfg_key_pem(web));
	items[n++] = item(MHD_OPTION_HTTPS_PRIORITIES, 0, d->priorities);
	if (webcfg_client_ca_pem(web))
		items[n++] = item(MHD_OPTION_HTTPS_MEM_TRUST, 0,
				  webcfg_client_ca_pem(web));
end:
	items[n] = item(MHD_OPTION_END, 0, NULL);
	return 0;
}

/* True when the connection's client certificate satisfies the policy
 * (always without TLS or when the policy does not require or verify). */
bool http_tls_peer_ok(const struct http_daemon *d, struct MHD_Connection *c)
{
	const struct webcfg *web = d->web;
	const union MHD_ConnectionInfo *ci;
	enum webcfg_client_auth a;

	if (!web || !webcfg_tls(web))
		return true;
	a = webcfg_client_auth(web);
	if (!webcfg_client_auth_requires(a) && !webcfg_client_auth_verifies(a))
		return true;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	return ci && ci->tls_session && peer_ok(ci->tls_session, a);
}
