/* webcfg: checks with gnutls that the PEM files of tls_server_config are
 * what the web server will need, so that a bad file is reported at its key
 * (FILE:LINE:COL) when the config is loaded rather than as a failure to
 * start the server: a certificate chain, an unencrypted private key that
 * matches it, and a CA bundle with at least one certificate.
 */
#include "webcfg_int.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>

static gnutls_datum_t datum(const char *s)
{
	return (gnutls_datum_t){ (unsigned char *)s, (unsigned)strlen(s) };
}

/* Number of PEM certificates in pem, or a negative gnutls error. */
static int count_certs(const char *pem)
{
	gnutls_datum_t d = datum(pem);
	gnutls_x509_crt_t *list;
	unsigned int n = 0;
	int rc;

	rc = gnutls_x509_crt_list_import2(&list, &n, &d, GNUTLS_X509_FMT_PEM,
					  0);
	if (rc < 0)
		return rc;
	for (unsigned int i = 0; i < n; i++)
		gnutls_x509_crt_deinit(list[i]);
	gnutls_free(list);
	return n ? (int)n : GNUTLS_E_NO_CERTIFICATE_FOUND;
}

/* 0 when pem holds an unencrypted private key, else a gnutls error. */
static int check_key(const char *pem)
{
	gnutls_datum_t d = datum(pem);
	gnutls_x509_privkey_t key;
	int rc;

	rc = gnutls_x509_privkey_init(&key);
	if (rc < 0)
		return rc;
	rc = gnutls_x509_privkey_import2(key, &d, GNUTLS_X509_FMT_PEM, NULL,
					 0);
	gnutls_x509_privkey_deinit(key);
	return rc;
}

/* 0 when the key belongs to the certificate, else a gnutls error
 * (GNUTLS_E_CERTIFICATE_KEY_MISMATCH when it does not). */
static int check_match(const char *cert, const char *key)
{
	gnutls_datum_t c = datum(cert), k = datum(key);
	gnutls_certificate_credentials_t cred;
	int rc;

	rc = gnutls_certificate_allocate_credentials(&cred);
	if (rc < 0)
		return rc;
	rc = gnutls_certificate_set_x509_key_mem(cred, &c, &k,
						 GNUTLS_X509_FMT_PEM);
	gnutls_certificate_free_credentials(cred);
	return rc < 0 ? rc : 0;
}

/* Checks the loaded cert_file and key_file, reporting at their values. */
void wc_check_key_pair(struct wc_ctx *ctx, const struct yamldoc_kv *cert,
		       const struct yamldoc_kv *key)
{
	const struct webcfg *wc = ctx->wc;
	int rc_cert = count_certs(wc->cert_pem);
	int rc_key = check_key(wc->key_pem);
	int rc;

	if (rc_cert < 0)
		yamldoc_err(ctx->yd, cert->val, "cert_file holds no usable PEM "
			    "certificate: %s", gnutls_strerror(rc_cert));
	if (rc_key < 0)
		yamldoc_err(ctx->yd, key->val, "key_file holds no usable PEM "
			    "private key (encrypted keys are not supported): "
			    "%s", gnutls_strerror(rc_key));
	if (rc_cert < 0 || rc_key < 0)
		return;
	rc = check_match(wc->cert_pem, wc->key_pem);
	if (rc == GNUTLS_E_CERTIFICATE_KEY_MISMATCH)
		yamldoc_err(ctx->yd, key->val, "key_file does not match "
			    "cert_file");
	else if (rc < 0)
		yamldoc_err(ctx->yd, key->val, "cannot use cert_file and "
			    "key_file: %s", gnutls_strerror(rc));
}

/* Checks the loaded client_ca_file, reporting at its value. */
void wc_check_ca(struct wc_ctx *ctx, const struct yamldoc_kv *ca)
{
	int rc = count_certs(ctx->wc->ca_pem);

	if (rc < 0)
		yamldoc_err(ctx->yd, ca->val, "client_ca_file holds no usable "
			    "PEM certificate: %s", gnutls_strerror(rc));
}
