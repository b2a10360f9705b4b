/* http/auth: HTTP basic auth against the web config's bcrypt hashes,
 * checked with crypt_rn() of libcrypt (libxcrypt does $2a$, $2b$, $2y$).
 *
 * bcrypt is slow on purpose, so a verified user and password are
 * remembered: the cache holds HMAC-SHA256 digests of them, under a key
 * drawn at start (never the password, nor a hash one could attack offline
 * without the key), in AUTH_CACHE_SLOTS slots of which the least recently
 * used makes room. A failed attempt is not cached and always costs a
 * bcrypt; an unknown user costs one too (against a decoy of the highest
 * configured cost), so timing does not tell which users exist. Results are
 * compared in constant time. One mutex serialises the cache and the
 * crypt_data (libmicrohttpd runs one thread anyway). Each daemon has its
 * own state over its own copy of the web config (daemon.c), so a new web
 * config starts with an empty cache.
 */
#include <crypt.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/internal.h"
#include "webcfg/webcfg.h"

#define AUTH_REALM "ftrace_exporter"
#define AUTH_CACHE_SLOTS 64
#define AUTH_MAC_LEN 32	/* SHA-256 */

struct auth_slot {
	unsigned char mac[AUTH_MAC_LEN];
	uint64_t last_used;	/* 0: empty */
};

struct http_auth {
	const struct webcfg *web;
	pthread_mutex_t lock;
	unsigned char key[AUTH_MAC_LEN];
	struct auth_slot slots[AUTH_CACHE_SLOTS];
	uint64_t clock;
	char decoy[CRYPT_GENSALT_OUTPUT_SIZE];	/* bcrypt setting */
	struct crypt_data cd;			/* large: last */
};

/* Highest bcrypt cost of the configured users ($2y$CC$...). */
static unsigned long max_cost(const struct webcfg *web)
{
	unsigned long cost = 4, c;

	for (int i = 0; i < webcfg_user_count(web); i++) {
		c = strtoul(webcfg_user(web, i)->value + 4, NULL, 10);
		if (c > cost)
			cost = c;
	}
	return cost;
}

/* Makes the auth state for web's users; the caller frees it with
 * http_auth_free() and keeps web alive meanwhile. NULL with errno when
 * memory, randomness or libcrypt fail. */
struct http_auth *http_auth_new(const struct webcfg *web)
{
	struct http_auth *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->web = web;
	if (gnutls_rnd(GNUTLS_RND_KEY, a->key, sizeof(a->key)) < 0) {
		errno = EIO;
		goto err_free;
	}
	if (!crypt_gensalt_rn("$2b$", max_cost(web), NULL, 0, a->decoy,
			      sizeof(a->decoy)))
		goto err_free;
	pthread_mutex_init(&a->lock, NULL);
	return a;

err_free:
	explicit_bzero(a->key, sizeof(a->key));
	free(a);
	return NULL;
}

/* Frees a, wiping the key, the cache and crypt's scratch. NULL is fine. */
void http_auth_free(struct http_auth *a)
{
	if (!a)
		return;
	pthread_mutex_destroy(&a->lock);
	explicit_bzero(a, sizeof(*a));
	free(a);
}

/* True when the n bytes at x and y are equal; time depends on n only. */
static bool same_bytes(const void *x, const void *y, size_t n)
{
	const volatile unsigned char *p = x, *q = y;
	unsigned char diff = 0;

	for (size_t i = 0; i < n; i++)
		diff |= p[i] ^ q[i];
	return !diff;
}

/* HMAC of user, a NUL and pass into mac; 0 or -1. */
static int mac_of(const struct http_auth *a, const char *user,
		  const char *pass, unsigned char *mac)
{
	gnutls_hmac_hd_t h;
	int rc;

	if (gnutls_hmac_init(&h, GNUTLS_MAC_SHA256, a->key, sizeof(a->key)))
		return -1;
	rc = gnutls_hmac(h, user, strlen(user) + 1) ||
	     gnutls_hmac(h, pass, strlen(pass));
	gnutls_hmac_deinit(h, mac);
	return rc ? -1 : 0;
}

/* True when mac is cached (every slot is compared); marks it used. */
static bool cache_find(struct http_auth *a, const unsigned char *mac)
{
	struct auth_slot *hit = NULL;

	for (int i = 0; i < AUTH_CACHE_SLOTS; i++) {
		struct auth_slot *s = &a->slots[i];

		if (same_bytes(s->mac, mac, AUTH_MAC_LEN) && s->last_used)
			hit = s;
	}
	if (hit)
		hit->last_used = ++a->clock;
	return hit != NULL;
}

/* Caches mac in an empty or the least recently used slot. */
static void cache_add(struct http_auth *a, const unsigned char *mac)
{
	struct auth_slot *victim = &a->slots[0];

	for (int i = 1; i < AUTH_CACHE_SLOTS; i++)
		if (a->slots[i].last_used < victim->last_used)
			victim = &a->slots[i];
	memcpy(victim->mac, mac, AUTH_MAC_LEN);
	victim->last_used = ++a->clock;
}

/* Runs bcrypt on pass with hash's salt and cost; true when it gives hash. */
static bool bcrypt_matches(struct http_auth *a, const char *pass,
			   const char *hash)
{
	const char *out = crypt_rn(pass, hash, &a->cd, sizeof(a->cd));
	size_t n = strlen(hash);

	return out && strlen(out) == n && same_bytes(out, hash, n);
}

/* Checks user and pass with bcrypt (the decoy for an unknown user) and
 * caches mac when they are right. Called with a->lock held. */
static bool verify(struct http_auth *a, const char *user, const char *pass,
		   const unsigned char *mac)
{
	const char *hash = webcfg_user_hash(a->web, user);
	bool ok = bcrypt_matches(a, pass, hash ? hash : a->decoy) && hash;

	if (ok)
		cache_add(a, mac);
	return ok;
}

/* True when the request carries the basic auth credentials of a
 * configured user. Wipes its copy of the password. */
bool http_auth_ok(struct http_auth *a, struct MHD_Connection *c)
{
	unsigned char mac[AUTH_MAC_LEN];
	char *pass = NULL, *user;
	bool ok = false;

	user = MHD_basic_auth_get_username_password(c, &pass);
	if (user && pass && !mac_of(a, user, pass, mac)) {
		pthread_mutex_lock(&a->lock);
		ok = cache_find(a, mac) || verify(a, user, pass, mac);
		pthread_mutex_unlock(&a->lock);
	}
	if (pass) {
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
	}
	if (user)
		MHD_free(user);
	explicit_bzero(mac, sizeof(mac));
	return ok;
}

/* Replies 401 with the challenge, to a request without valid credentials. */
enum MHD_Result http_auth_refuse(const struct http_daemon *d,
				 struct MHD_Connection *c)
{
	return http_reply_text_hdr(d, c, MHD_HTTP_UNAUTHORIZED,
				   "Unauthorized\n",
				   MHD_HTTP_HEADER_WWW_AUTHENTICATE,
				   "Basic realm=\"" AUTH_REALM "\"");
}
