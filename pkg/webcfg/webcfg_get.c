/* webcfg: the accessors of a loaded struct webcfg, and the names the file
 * uses for the client auth policies and TLS versions. A struct webcfg is
 * immutable: every accessor may run on any thread, and every string it
 * returns belongs to the webcfg (freed by webcfg_free()). None fails.
 */
#include "webcfg_int.h"

#include <string.h>

static const char *const auth_names[] = {
	[WEBCFG_NO_CLIENT_CERT] = "NoClientCert",
	[WEBCFG_REQUEST_CLIENT_CERT] = "RequestClientCert",
	[WEBCFG_REQUIRE_ANY_CLIENT_CERT] = "RequireAnyClientCert",
	[WEBCFG_VERIFY_CLIENT_CERT_IF_GIVEN] = "VerifyClientCertIfGiven",
	[WEBCFG_REQUIRE_AND_VERIFY_CLIENT_CERT] = "RequireAndVerifyClientCert",
};

static const char *const version_names[] = {
	[WEBCFG_TLS10] = "TLS10",
	[WEBCFG_TLS11] = "TLS11",
	[WEBCFG_TLS12] = "TLS12",
	[WEBCFG_TLS13] = "TLS13",
};

const char *webcfg_path(const struct webcfg *wc)
{
	return wc->path;
}

/* True when the server must speak TLS (tls_server_config is not empty). */
bool webcfg_tls(const struct webcfg *wc)
{
	return wc->tls;
}

/* PEM text of the server certificate (chain) and key; NULL without TLS. */
const char *webcfg_cert_pem(const struct webcfg *wc)
{
	return wc->cert_pem;
}

const char *webcfg_key_pem(const struct webcfg *wc)
{
	return wc->key_pem;
}

/* PEM text of client_ca_file; NULL when not configured. */
const char *webcfg_client_ca_pem(const struct webcfg *wc)
{
	return wc->ca_pem;
}

enum webcfg_client_auth webcfg_client_auth(const struct webcfg *wc)
{
	return wc->client_auth;
}

enum webcfg_tls_version webcfg_min_version(const struct webcfg *wc)
{
	return wc->min_version;
}

enum webcfg_tls_version webcfg_max_version(const struct webcfg *wc)
{
	return wc->max_version;
}

int webcfg_header_count(const struct webcfg *wc)
{
	return wc->nheaders;
}

/* Header i in file order, or NULL when out of range. */
const struct webcfg_pair *webcfg_header(const struct webcfg *wc, int i)
{
	return i >= 0 && i < wc->nheaders ? &wc->headers[i] : NULL;
}

int webcfg_user_count(const struct webcfg *wc)
{
	return wc->nusers;
}

/* User i (name, bcrypt hash) in file order, or NULL when out of range. */
const struct webcfg_pair *webcfg_user(const struct webcfg *wc, int i)
{
	return i >= 0 && i < wc->nusers ? &wc->users[i] : NULL;
}

/* The bcrypt hash of user, or NULL when there is no such user. */
const char *webcfg_user_hash(const struct webcfg *wc, const char *user)
{
	for (int i = 0; i < wc->nusers; i++)
		if (!strcmp(wc->users[i].name, user))
			return wc->users[i].value;
	return NULL;
}

const char *webcfg_client_auth_name(enum webcfg_client_auth auth)
{
	return (unsigned)auth <= WEBCFG_REQUIRE_AND_VERIFY_CLIENT_CERT ?
	       auth_names[auth] : "?";
}

const char *webcfg_tls_version_name(enum webcfg_tls_version v)
{
	return (unsigned)v <= WEBCFG_TLS13 ? version_names[v] : "?";
}

bool webcfg_client_auth_requires(enum webcfg_client_auth auth)
{
	return auth == WEBCFG_REQUIRE_ANY_CLIENT_CERT ||
	       auth == WEBCFG_REQUIRE_AND_VERIFY_CLIENT_CERT;
}

bool webcfg_client_auth_verifies(enum webcfg_client_auth auth)
{
	return auth == WEBCFG_VERIFY_CLIENT_CERT_IF_GIVEN ||
	       auth == WEBCFG_REQUIRE_AND_VERIFY_CLIENT_CERT;
}
