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
 * compared in constant time. Each daemon has its own state over its own
 * copy of the web config (daemon.c), so a new web config starts with an
 * empty cache.
 *
 * DESIGN, wrong passwords (about 60 ms of CPU each at cost 10) must not
 * starve verified clients: a->lock guards the cache, the gate and the
 * client table and is never held during a bcrypt, so a cached check never
 * waits for one. The gate lets one bcrypt run at a time (at most one CPU)
 * with AUTH_QUEUE more waiting; beyond that, and for a client address that
 * failed more than AUTH_FAIL_BURST times (then AUTH_FAIL_PER_SEC a
 * second), the request gets 429 without a bcrypt. The bcrypt runs on the
 * requesting connection's own thread (daemon.c), which serves nobody else.
 * The gate holder alone uses a->cd.
 */
#include <crypt.h>
#include <errno.h>
#include <netinet/in.h>
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
#define AUTH_QUEUE 4		/* requests waiting for the bcrypt gate */
#define AUTH_CLIENTS 256	/* client addresses whose failures count */
#define AUTH_FAIL_BURST 5.0	/* failed bcrypts a client may have at once */
#define AUTH_FAIL_PER_SEC 1.0	/* then this many a second */
#define AUTH_ADDR_LEN 16

struct auth_slot {
	unsigned char mac[AUTH_MAC_LEN];
	uint64_t last_used;	/* 0: empty */
};

/* A client address: IPv4 as IPv4-mapped IPv6, IPv6 by its /64 (one host
 * may own a whole /64). */
struct auth_client {
	unsigned char addr[AUTH_ADDR_LEN];
	double credit;		/* failures it may still have */
	double at;		/* when credit was last brought up to date,
				 * monotonic seconds; 0: unused */
};

struct http_auth {
	const struct webcfg *web;
	pthread_mutex_t lock;
	pthread_cond_t turn;	/* the gate is free */
	bool hashing;		/* the gate is taken */
	int queued;		/* waiting for the gate */
	unsigned char key[AUTH_MAC_LEN];
	struct auth_slot slots[AUTH_CACHE_SLOTS];
	uint64_t clock;
	struct auth_client clients[AUTH_CLIENTS];
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
	pthread_cond_init(&a->turn, NULL);
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
	pthread_cond_destroy(&a->turn);
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

/* Runs bcrypt on pass with hash's salt and cost; true when it gives hash.
 * The gate holder's alone: it uses a->cd. */
static bool bcrypt_matches(struct http_auth *a, const char *pass,
			   const char *hash)
{
	const char *out = crypt_rn(pass, hash, &a->cd, sizeof(a->cd));
	size_t n = strlen(hash);

	return out && strlen(out) == n && same_bytes(out, hash, n);
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The address key of c's client into addr (all zero when unknown). */
static void client_addr(struct MHD_Connection *c, unsigned char *addr)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	memset(addr, 0, AUTH_ADDR_LEN);
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	sa = ci ? ci->client_addr : NULL;
	if (sa && sa->sa_family == AF_INET) {
		addr[10] = addr[11] = 0xff;
		memcpy(addr + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa && sa->sa_family == AF_INET6) {
		memcpy(addr, &((const struct sockaddr_in6 *)sa)->sin6_addr,
		       AUTH_ADDR_LEN);
		if (!IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)addr))
			memset(addr + 8, 0, 8);
	}
}

/* The entry of addr, brought up to date at now; a new one (full credit)
 * replaces an unused or the least recently updated entry. a->lock held. */
static struct auth_client *client_of(struct http_auth *a,
				     const unsigned char *addr, double now)
{
	struct auth_client *cl = &a->clients[0];

	for (int i = 0; i < AUTH_CLIENTS; i++) {
		struct auth_client *e = &a->clients[i];

		if (e->at && !memcmp(e->addr, addr, AUTH_ADDR_LEN)) {
			e->credit += (now - e->at) * AUTH_FAIL_PER_SEC;
			if (e->credit > AUTH_FAIL_BURST)
				e->credit = AUTH_FAIL_BURST;
			e->at = now;
			return e;
		}
		if (e->at < cl->at)
			cl = e;
	}
	memcpy(cl->addr, addr, AUTH_ADDR_LEN);
	cl->credit = AUTH_FAIL_BURST;
	cl->at = now;
	return cl;
}

/* Takes the bcrypt gate, waiting behind at most AUTH_QUEUE others; false
 * when that many already wait. a->lock held (released while waiting). */
static bool gate_enter(struct http_auth *a)
{
	if (a->hashing && a->queued >= AUTH_QUEUE)
		return false;
	a->queued++;
	while (a->hashing)
		pthread_cond_wait(&a->turn, &a->lock);
	a->queued--;
	a->hashing = true;
	return true;
}

static void gate_leave(struct http_auth *a)
{
	a->hashing = false;
	pthread_cond_signal(&a->turn);
}

/* Runs bcrypt on pass against hash (the decoy when NULL: an unknown user)
 * through the gate, for the client at addr, charging it a failure.
 * HTTP_AUTH_BUSY, without a bcrypt, when the client has no credit left or
 * the queue is full. a->lock held, released during the bcrypt. */
static enum http_auth_verdict gated_bcrypt(struct http_auth *a,
					   const unsigned char *addr,
					   const char *pass, const char *hash)
{
	bool ok;

	if (client_of(a, addr, mono_now())->credit < 1 || !gate_enter(a))
		return HTTP_AUTH_BUSY;
	pthread_mutex_unlock(&a->lock);
	ok = bcrypt_matches(a, pass, hash ? hash : a->decoy) && hash;
	pthread_mutex_lock(&a->lock);
	gate_leave(a);
	if (!ok)
		client_of(a, addr, mono_now())->credit -= 1;
	return ok ? HTTP_AUTH_OK : HTTP_AUTH_DENIED;
}

/* Checks user and pass, whose HMAC is mac, for c's client: from the cache,
 * else with a gated bcrypt; right ones are cached. */
static enum http_auth_verdict check_pass(struct http_auth *a,
					 struct MHD_Connection *c,
					 const char *user, const char *pass,
					 const unsigned char *mac)
{
	enum http_auth_verdict v = HTTP_AUTH_OK;
	unsigned char addr[AUTH_ADDR_LEN];

	client_addr(c, addr);
	pthread_mutex_lock(&a->lock);
	if (!cache_find(a, mac)) {
		v = gated_bcrypt(a, addr, pass, webcfg_user_hash(a->web, user));
		if (v == HTTP_AUTH_OK)
			cache_add(a, mac);
	}
	pthread_mutex_unlock(&a->lock);
	return v;
}

/* Whether the request carries the basic auth credentials of a configured
 * user (HTTP_AUTH_BUSY: they could not be checked now). Wipes its copy of
 * the password. */
enum http_auth_verdict http_auth_check(struct http_auth *a,
				       struct MHD_Connection *c)
{
	enum http_auth_verdict v = HTTP_AUTH_DENIED;
	unsigned char mac[AUTH_MAC_LEN];
	char *pass = NULL, *user;

	user = MHD_basic_auth_get_username_password(c, &pass);
	if (user && pass && !mac_of(a, user, pass, mac))
		v = check_pass(a, c, user, pass, mac);
	if (pass) {
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
	}
	if (user)
		MHD_free(user);
	explicit_bzero(mac, sizeof(mac));
	return v;
}

/* Replies 401 with the challenge to a request without valid credentials,
 * 429 to one whose credentials could not be checked now. */
enum MHD_Result http_auth_refuse(const struct http_daemon *d,
				 struct MHD_Connection *c,
				 enum http_auth_verdict v)
{
	if (v == HTTP_AUTH_BUSY)
		return http_reply_text_hdr(d, c, MHD_HTTP_TOO_MANY_REQUESTS,
					   "Too many login attempts; retry later\n",
					   MHD_HTTP_HEADER_RETRY_AFTER, "1");
	return http_reply_text_hdr(d, c, MHD_HTTP_UNAUTHORIZED,
				   "Unauthorized\n",
				   MHD_HTTP_HEADER_WWW_AUTHENTICATE,
				   "Basic realm=\"" AUTH_REALM "\"");
}
