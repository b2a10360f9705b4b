/* webcfg: the --web.config.file (TLS, client certificates, basic auth and
 * extra response headers), in the file format of the Prometheus
 * exporter-toolkit, validated strictly with libyaml.
 *
 * webcfg_load() turns a file into an immutable struct webcfg that holds in
 * memory everything the web server needs: the PEM text of the certificate,
 * key and client CA (read at load time; relative paths are taken from the
 * directory of the web config file), the client auth policy, the TLS
 * versions, the extra headers and the users' bcrypt hashes. Every problem is
 * printed as "FILE:LINE:COL: message", all of them, and a file with any
 * problem gives NULL. An empty file, or empty sections, mean plain HTTP
 * without authentication. Keys of exporter-toolkit that ftrace_exporter does
 * not implement are errors naming the key, never silently ignored.
 */
#ifndef FTE_WEBCFG_H
#define FTE_WEBCFG_H

#include <stdbool.h>
#include <stdio.h>

/* client_auth_type, in Go's crypto/tls order. */
enum webcfg_client_auth {
	WEBCFG_NO_CLIENT_CERT,
	WEBCFG_REQUEST_CLIENT_CERT,
	WEBCFG_REQUIRE_ANY_CLIENT_CERT,
	WEBCFG_VERIFY_CLIENT_CERT_IF_GIVEN,
	WEBCFG_REQUIRE_AND_VERIFY_CLIENT_CERT,
};

/* min_version and max_version, ordered. */
enum webcfg_tls_version {
	WEBCFG_TLS10,
	WEBCFG_TLS11,
	WEBCFG_TLS12,
	WEBCFG_TLS13,
};

/* A header (name, value) or a user (name, bcrypt hash). Owned by the
 * struct webcfg it came from. */
struct webcfg_pair {
	const char *name;
	const char *value;
};

struct webcfg;

/* Load the file at path (webcfg_parse: text, as if read from path). NULL
 * with errno (EINVAL when problems were printed to errs, which may be NULL;
 * the read error otherwise). The caller frees the result. */
struct webcfg *webcfg_load(const char *path, FILE *errs);
struct webcfg *webcfg_parse(const char *path, const char *text, FILE *errs);
void webcfg_free(struct webcfg *wc);
/* --check-config: loads path, prints a one-line summary of it (TLS,
 * client auth, users, headers) to out or its problems to errs; 0 when it
 * is valid, else -1. */
int webcfg_check(const char *path, FILE *out, FILE *errs);
/* A deep copy of wc, independent of it; NULL with ENOMEM. The caller frees
 * it with webcfg_free(). */
struct webcfg *webcfg_dup(const struct webcfg *wc);

/* Accessors; every string belongs to wc and lives until webcfg_free(). */

const char *webcfg_path(const struct webcfg *wc);
bool webcfg_tls(const struct webcfg *wc);
const char *webcfg_cert_pem(const struct webcfg *wc);
const char *webcfg_key_pem(const struct webcfg *wc);
const char *webcfg_client_ca_pem(const struct webcfg *wc);
enum webcfg_client_auth webcfg_client_auth(const struct webcfg *wc);
enum webcfg_tls_version webcfg_min_version(const struct webcfg *wc);
enum webcfg_tls_version webcfg_max_version(const struct webcfg *wc);
int webcfg_header_count(const struct webcfg *wc);
const struct webcfg_pair *webcfg_header(const struct webcfg *wc, int i);
int webcfg_user_count(const struct webcfg *wc);
const struct webcfg_pair *webcfg_user(const struct webcfg *wc, int i);
const char *webcfg_user_hash(const struct webcfg *wc, const char *user);

/* The names used in the file: "RequireAndVerifyClientCert", "TLS12". */
const char *webcfg_client_auth_name(enum webcfg_client_auth auth);
/* The policy needs a client certificate / checks one against client_ca. */
bool webcfg_client_auth_requires(enum webcfg_client_auth auth);
bool webcfg_client_auth_verifies(enum webcfg_client_auth auth);
const char *webcfg_tls_version_name(enum webcfg_tls_version v);

#endif
