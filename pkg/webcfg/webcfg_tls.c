/* webcfg: `tls_server_config`. Any key given turns TLS on, which then needs
 * cert_file and key_file; the client auth policy and the CA must agree (a
 * verifying policy needs client_ca_file, NoClientCert takes none, as in
 * exporter-toolkit); the files are read here, relative to the web config's
 * directory, and checked by webcfg_pem.c.
 */
#include "webcfg_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const tls_keys[] = {
	"cert_file", "key_file", "client_auth_type", "client_ca_file",
	"min_version", "max_version", NULL
};

enum { TLS_CERT, TLS_KEY, TLS_AUTH, TLS_CA, TLS_MIN, TLS_MAX, TLS_N };

/* exporter-toolkit's keys that ftrace_exporter does not implement. */
static const char *const tls_unsupported[] = {
	"cert", "key", "client_ca", "cipher_suites", "curve_preferences",
	"prefer_server_cipher_suites", "client_allowed_sans", NULL
};

/* The section as read: each key's nodes, whether it was given (not null),
 * and its text (NULL when absent, null, or not a scalar). */
struct tls_in {
	struct yamldoc_kv kv[TLS_N];
	bool set[TLS_N];
	const char *s[TLS_N];
	bool auth_ok;	/* client_auth_type absent or valid */
};

/* Fills set[] and s[]; returns how many keys were given. */
static int read_values(struct wc_ctx *ctx, struct tls_in *in)
{
	int n = 0;

	for (int i = 0; i < TLS_N; i++) {
		yaml_node_t *v = in->kv[i].val;

		in->set[i] = v && !yamldoc_is_null(v);
		if (!in->set[i])
			continue;
		n++;
		in->s[i] = yamldoc_scalar(ctx->yd, v);
	}
	return n;
}

/* Looks name up among the policy names (and "RequireClientCert", which
 * exporter-toolkit keeps for RequireAnyClientCert). -1 when unknown. */
static int auth_of(const char *name)
{
	if (!strcmp(name, "RequireClientCert"))
		return WEBCFG_REQUIRE_ANY_CLIENT_CERT;
	for (int a = 0; a <= WEBCFG_REQUIRE_AND_VERIFY_CLIENT_CERT; a++)
		if (!strcmp(name, webcfg_client_auth_name(a)))
			return a;
	return -1;
}

/* client_auth_type, and whether client_ca_file goes with it. */
static void parse_auth(struct wc_ctx *ctx, struct tls_in *in)
{
	struct webcfg *wc = ctx->wc;
	int a = in->s[TLS_AUTH] ? auth_of(in->s[TLS_AUTH]) : 0;

	in->auth_ok = a >= 0 && (in->s[TLS_AUTH] || !in->set[TLS_AUTH]);
	if (a < 0)
		yamldoc_err(ctx->yd, in->kv[TLS_AUTH].val,
			    "invalid client_auth_type \"%s\" (allowed: "
			    "NoClientCert, RequestClientCert, "
			    "RequireAnyClientCert, VerifyClientCertIfGiven, "
			    "RequireAndVerifyClientCert)", in->s[TLS_AUTH]);
	if (!in->auth_ok)
		return;
	wc->client_auth = a;
	if (a == WEBCFG_NO_CLIENT_CERT && in->set[TLS_CA])
		yamldoc_err(ctx->yd, in->kv[TLS_CA].key, "client_ca_file is "
			    "set but client_auth_type is NoClientCert (the "
			    "default); set client_auth_type or remove "
			    "client_ca_file");
	if (webcfg_client_auth_verifies(a) && !in->set[TLS_CA])
		yamldoc_err(ctx->yd, in->kv[TLS_AUTH].val, "client_auth_type "
			    "%s verifies client certificates and needs "
			    "client_ca_file", in->s[TLS_AUTH]);
}

/* Reads version key i into *out; false (reported) when invalid. */
static bool parse_version(struct wc_ctx *ctx, struct tls_in *in, int i,
			  enum webcfg_tls_version *out)
{
	const char *s = in->s[i];

	if (!in->set[i])
		return true;
	if (!s)
		return false;
	for (int v = WEBCFG_TLS10; v <= WEBCFG_TLS13; v++) {
		if (!strcmp(s, webcfg_tls_version_name(v))) {
			*out = v;
			return true;
		}
	}
	yamldoc_err(ctx->yd, in->kv[i].val, "invalid %s \"%s\" (allowed: "
		    "TLS10, TLS11, TLS12, TLS13)", tls_keys[i], s);
	return false;
}

/* min_version and max_version (defaults TLS12 and TLS13). */
static void parse_versions(struct wc_ctx *ctx, struct tls_in *in)
{
	struct webcfg *wc = ctx->wc;
	bool ok = parse_version(ctx, in, TLS_MIN, &wc->min_version);

	if (parse_version(ctx, in, TLS_MAX, &wc->max_version) && ok &&
	    wc->max_version < wc->min_version)
		yamldoc_err(ctx->yd,
			    in->kv[in->set[TLS_MAX] ? TLS_MAX : TLS_MIN].val,
			    "max_version %s is below min_version %s",
			    webcfg_tls_version_name(wc->max_version),
			    webcfg_tls_version_name(wc->min_version));
}

/* A certificate needs its key and the reverse; TLS needs both. */
static void check_pairing(struct wc_ctx *ctx, struct tls_in *in,
			  yaml_node_t *section)
{
	if (in->set[TLS_CERT] && !in->set[TLS_KEY])
		yamldoc_err(ctx->yd, in->kv[TLS_CERT].key, "cert_file is set "
			    "but key_file is not");
	else if (in->set[TLS_KEY] && !in->set[TLS_CERT])
		yamldoc_err(ctx->yd, in->kv[TLS_KEY].key, "key_file is set but "
			    "cert_file is not");
	else if (!in->set[TLS_CERT])
		yamldoc_err(ctx->yd, section, "tls_server_config needs "
			    "cert_file and key_file");
}

/* Reads the file named by key i into *out (a string: a NUL byte is
 * refused). Returns 0, or -1 after reporting. */
static int load_file(struct wc_ctx *ctx, struct tls_in *in, int i,
		     char **out)
{
	const char *s = in->s[i];
	size_t n;
	char *path;

	if (!s)
		return -1;
	if (!*s) {
		yamldoc_err(ctx->yd, in->kv[i].val, "%s is empty", tls_keys[i]);
		return -1;
	}
	path = wc_path_in_dir(ctx, s);
	if (!path)
		return -1;
	*out = yamldoc_read_file(path, WC_MAX_FILE, &n);
	if (!*out)
		yamldoc_err(ctx->yd, in->kv[i].val, "cannot read %s %s: %s",
			    tls_keys[i], path, errno == EILSEQ ?
			    "contains a NUL byte" : strerror(errno));
	free(path);
	return *out ? 0 : -1;
}

/* Reads and checks the certificate, key and client CA that are given. */
static void load_files(struct wc_ctx *ctx, struct tls_in *in)
{
	struct webcfg *wc = ctx->wc;
	int cert = -1, key = -1;

	if (in->set[TLS_CERT])
		cert = load_file(ctx, in, TLS_CERT, &wc->cert_pem);
	if (in->set[TLS_KEY])
		key = load_file(ctx, in, TLS_KEY, &wc->key_pem);
	if (!cert && !key)
		wc_check_key_pair(ctx, &in->kv[TLS_CERT], &in->kv[TLS_KEY]);
	if (in->set[TLS_CA] && !load_file(ctx, in, TLS_CA, &wc->ca_pem))
		wc_check_ca(ctx, &in->kv[TLS_CA]);
}

/* Parses tls_server_config; null or {} leave TLS off. */
void wc_parse_tls(struct wc_ctx *ctx, yaml_node_t *n)
{
	struct tls_in in = { 0 };

	if (wc_fields(ctx, n, "tls_server_config", tls_keys, tls_unsupported,
		      in.kv) < 0)
		return;
	if (!read_values(ctx, &in))
		return;
	ctx->wc->tls = true;
	parse_auth(ctx, &in);
	parse_versions(ctx, &in);
	check_pairing(ctx, &in, n);
	load_files(ctx, &in);
}
