/* Unit tests of pkg/webcfg: good files (the fixture good.yml, empty files
 * and sections, each client auth type and TLS version), and one check per
 * kind of bad input with its exact "FILE:LINE:COL:" and a message
 * fragment. Certificates and keys come from tests/fixtures/webcfg/, which
 * is also the directory the parsed texts pretend to live in, so relative
 * names resolve there. Run from the repo root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "webcfg/webcfg.h"

#define DIR "tests/fixtures/webcfg"
#define F DIR "/t.yml"

#define CAPTURE_TYPE struct webcfg
#define CAPTURE_PARSE webcfg_parse
#define CAPTURE_FREE webcfg_free
#define CAPTURE_PATH F
#include "capture.h"

/* alice's password is "secret" (bcrypt, cost 4). */
#define HASH "$2y$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW"

/* A valid TLS section start: cert_file at 2:3, key_file at 3:3. */
#define TLS "tls_server_config:\n" \
	    "  cert_file: server.crt\n" \
	    "  key_file: server.key\n"

/* Asserts wc is plain HTTP without users or headers. */
static void assert_plain(struct webcfg *wc)
{
	assert_false(webcfg_tls(wc));
	assert_null(webcfg_cert_pem(wc));
	assert_null(webcfg_key_pem(wc));
	assert_null(webcfg_client_ca_pem(wc));
	assert_int_equal(webcfg_client_auth(wc), WEBCFG_NO_CLIENT_CERT);
	assert_int_equal(webcfg_min_version(wc), WEBCFG_TLS12);
	assert_int_equal(webcfg_max_version(wc), WEBCFG_TLS13);
	assert_int_equal(webcfg_header_count(wc), 0);
	assert_int_equal(webcfg_user_count(wc), 0);
	assert_null(webcfg_header(wc, 0));
	assert_null(webcfg_user(wc, 0));
	assert_null(webcfg_user_hash(wc, "alice"));
}

static void test_empty(void **state)
{
	static const char *const texts[] = {
		"",
		"# nothing but a comment\n",
		"---\n",
		"{}\n",
		"tls_server_config:\nhttp_server_config:\nbasic_auth_users:\n",
		"tls_server_config: {}\nhttp_server_config: {}\n"
		"basic_auth_users: {}\n",
		"tls_server_config: ~\nhttp_server_config:\n  headers:\n",
		"tls_server_config:\n  cert_file:\n  key_file: null\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(*texts); i++) {
		struct webcfg *wc = expect_ok(texts[i]);

		assert_plain(wc);
		assert_string_equal(webcfg_path(wc), F);
		webcfg_free(wc);
	}
}

static void test_load_good(void **state)
{
	struct webcfg *wc = webcfg_load(DIR "/good.yml", stderr);
	const struct webcfg_pair *h;

	(void)state;
	assert_non_null(wc);
	assert_string_equal(webcfg_path(wc), DIR "/good.yml");
	assert_true(webcfg_tls(wc));
	assert_non_null(strstr(webcfg_cert_pem(wc), "BEGIN CERTIFICATE"));
	assert_non_null(strstr(webcfg_key_pem(wc), "PRIVATE KEY"));
	assert_non_null(strstr(webcfg_client_ca_pem(wc), "BEGIN CERTIFICATE"));
	assert_int_equal(webcfg_client_auth(wc),
			 WEBCFG_REQUIRE_AND_VERIFY_CLIENT_CERT);
	assert_int_equal(webcfg_min_version(wc), WEBCFG_TLS12);
	assert_int_equal(webcfg_max_version(wc), WEBCFG_TLS13);
	assert_int_equal(webcfg_header_count(wc), 3);
	h = webcfg_header(wc, 0);
	assert_string_equal(h->name, "X-Frame-Options");
	assert_string_equal(h->value, "deny");
	assert_string_equal(webcfg_header(wc, 2)->value, "max-age=31536000");
	assert_null(webcfg_header(wc, 3));
	assert_null(webcfg_header(wc, -1));
	assert_int_equal(webcfg_user_count(wc), 1);
	assert_string_equal(webcfg_user(wc, 0)->name, "alice");
	assert_string_equal(webcfg_user_hash(wc, "alice"), HASH);
	assert_null(webcfg_user_hash(wc, "bob"));
	assert_null(webcfg_user_hash(wc, "alic"));
	webcfg_free(wc);
	webcfg_free(NULL);
}

static void test_tls_minimal(void **state)
{
	struct webcfg *wc = expect_ok(TLS);

	(void)state;
	assert_true(webcfg_tls(wc));
	assert_non_null(webcfg_cert_pem(wc));
	assert_null(webcfg_client_ca_pem(wc));
	assert_int_equal(webcfg_client_auth(wc), WEBCFG_NO_CLIENT_CERT);
	assert_int_equal(webcfg_user_count(wc), 0);
	webcfg_free(wc);
}

/* Absolute names do not depend on where the web config is. */
static void test_absolute_paths(void **state)
{
	char dir[PATH_MAX], *text, *errs;
	struct webcfg *wc;
	FILE *f;
	size_t len;

	(void)state;
	assert_non_null(realpath(DIR, dir));
	assert_true(asprintf(&text, "tls_server_config:\n"
			     "  cert_file: %s/server.crt\n"
			     "  key_file: '%s/server.key'\n", dir, dir) > 0);
	f = open_memstream(&errs, &len);
	wc = webcfg_parse("/nonexistent/web.yml", text, f);
	fclose(f);
	assert_string_equal(errs, "");
	assert_non_null(wc);
	assert_true(webcfg_tls(wc));
	webcfg_free(wc);
	free(errs);
	free(text);
}

static void test_client_auth_types(void **state)
{
	static const struct {
		const char *name;
		enum webcfg_client_auth auth;
		bool ca;
	} types[] = {
		{ "NoClientCert", WEBCFG_NO_CLIENT_CERT, false },
		{ "RequestClientCert", WEBCFG_REQUEST_CLIENT_CERT, false },
		{ "RequestClientCert", WEBCFG_REQUEST_CLIENT_CERT, true },
		{ "RequireAnyClientCert", WEBCFG_REQUIRE_ANY_CLIENT_CERT, false },
		{ "RequireClientCert", WEBCFG_REQUIRE_ANY_CLIENT_CERT, true },
		{ "VerifyClientCertIfGiven", WEBCFG_VERIFY_CLIENT_CERT_IF_GIVEN,
		  true },
		{ "RequireAndVerifyClientCert",
		  WEBCFG_REQUIRE_AND_VERIFY_CLIENT_CERT, true },
	};
	struct webcfg *wc;
	char *text;

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++) {
		assert_true(asprintf(&text, TLS "  client_auth_type: %s\n%s",
				     types[i].name, types[i].ca ?
				     "  client_ca_file: ca.crt\n" : "") > 0);
		wc = expect_ok(text);
		assert_int_equal(webcfg_client_auth(wc), types[i].auth);
		assert_int_equal(!!webcfg_client_ca_pem(wc), types[i].ca);
		webcfg_free(wc);
		free(text);
	}
	assert_string_equal(webcfg_client_auth_name(
		WEBCFG_VERIFY_CLIENT_CERT_IF_GIVEN), "VerifyClientCertIfGiven");
	assert_string_equal(webcfg_client_auth_name(99), "?");
}

static void test_versions(void **state)
{
	static const char *const names[] = { "TLS10", "TLS11", "TLS12",
					     "TLS13" };
	struct webcfg *wc;
	char *text;

	(void)state;
	for (int lo = 0; lo < 4; lo++) {
		for (int hi = lo; hi < 4; hi++) {
			assert_true(asprintf(&text, TLS "  min_version: %s\n"
					     "  max_version: %s\n", names[lo],
					     names[hi]) > 0);
			wc = expect_ok(text);
			assert_int_equal(webcfg_min_version(wc), lo);
			assert_int_equal(webcfg_max_version(wc), hi);
			webcfg_free(wc);
			free(text);
		}
	}
	wc = expect_ok(TLS "  min_version: TLS13\n");
	assert_int_equal(webcfg_min_version(wc), WEBCFG_TLS13);
	assert_int_equal(webcfg_max_version(wc), WEBCFG_TLS13);
	webcfg_free(wc);
	assert_string_equal(webcfg_tls_version_name(WEBCFG_TLS11), "TLS11");
	assert_string_equal(webcfg_tls_version_name(-1), "?");
}

static void test_headers_and_users(void **state)
{
	struct webcfg *wc = expect_ok(
		"http_server_config:\n"
		"  headers:\n"
		"    X-Frame-Options: sameorigin\n"
		"    X-XSS-Protection: '1; mode=block'\n"
		"    Content-Security-Policy: default-src 'self'\n"
		"basic_auth_users:\n"
		"  alice: " HASH "\n"
		"  bob: $2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy\n"
		"  'carol smith': $2a$31$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy\n");

	(void)state;
	assert_false(webcfg_tls(wc));
	assert_int_equal(webcfg_header_count(wc), 3);
	assert_string_equal(webcfg_header(wc, 1)->value, "1; mode=block");
	assert_string_equal(webcfg_header(wc, 2)->value, "default-src 'self'");
	assert_int_equal(webcfg_user_count(wc), 3);
	assert_string_equal(webcfg_user(wc, 2)->name, "carol smith");
	assert_non_null(webcfg_user_hash(wc, "bob"));
	webcfg_free(wc);
}

static void test_unknown_and_unsupported_keys(void **state)
{
	static const char *const tls_keys[] = {
		"cipher_suites", "curve_preferences",
		"prefer_server_cipher_suites", "client_allowed_sans", "cert",
		"key", "client_ca",
	};
	char *text, frag[64];

	(void)state;
	expect_error("tls_server_confg:\n", "1:1",
		     "unknown key \"tls_server_confg\" in the top level");
	expect_error(TLS "  cert_fil: x\n", "4:3",
		     "unknown key \"cert_fil\" in tls_server_config");
	expect_error("http_server_config:\n  header: {}\n", "2:3",
		     "unknown key \"header\"");
	for (size_t i = 0; i < sizeof(tls_keys) / sizeof(*tls_keys); i++) {
		assert_true(asprintf(&text, TLS "  %s: [x]\n", tls_keys[i]) > 0);
		snprintf(frag, sizeof(frag), "key \"%s\" in tls_server_config "
			 "is not supported", tls_keys[i]);
		expect_error(text, "4:3", frag);
		free(text);
	}
	expect_error("http_server_config:\n  http2: false\n", "2:3",
		     "key \"http2\" in http_server_config is not supported");
	expect_error("rate_limit:\n  burst: 1\n", "1:1",
		     "key \"rate_limit\" in the top level is not supported");
}

static void test_wrong_types(void **state)
{
	(void)state;
	expect_error("- a\n", "1:1", "expected a mapping for the top level");
	expect_error("tls_server_config: [a]\n", "1:20",
		     "expected a mapping for tls_server_config, found a sequence");
	expect_error("tls_server_config: yes\n", "1:20",
		     "expected a mapping for tls_server_config, found a scalar");
	expect_error("tls_server_config:\n  cert_file: [a, b]\n"
		     "  key_file: server.key\n", "2:14",
		     "expected a scalar, found a sequence");
	expect_error(TLS "  min_version: {v: 1}\n", "4:16",
		     "expected a scalar, found a mapping");
	expect_error("http_server_config:\n  headers: [a]\n", "2:12",
		     "expected a mapping for headers");
	expect_error("basic_auth_users:\n  - alice\n", "2:3",
		     "expected a mapping for basic_auth_users");
	expect_error("basic_auth_users:\n  alice: [" HASH "]\n", "2:10",
		     "expected a scalar, found a sequence");
	expect_error("basic_auth_users:\n  [a]: " HASH "\n", "2:3",
		     "expected a scalar");
}

static void test_bad_values(void **state)
{
	(void)state;
	expect_error(TLS "  client_auth_type: Sometimes\n", "4:21",
		     "invalid client_auth_type \"Sometimes\" (allowed: ");
	expect_error(TLS "  client_auth_type: requireandverifyclientcert\n",
		     "4:21", "invalid client_auth_type");
	expect_error(TLS "  min_version: TLS14\n", "4:16",
		     "invalid min_version \"TLS14\" (allowed: TLS10, TLS11, "
		     "TLS12, TLS13)");
	expect_error(TLS "  max_version: 1.2\n", "4:16",
		     "invalid max_version \"1.2\"");
	expect_error(TLS "  min_version: TLS13\n  max_version: TLS12\n",
		     "5:16", "max_version TLS12 is below min_version TLS13");
	expect_error(TLS "  max_version: TLS11\n", "4:16",
		     "max_version TLS11 is below min_version TLS12");
}

static void test_cert_key_pairing(void **state)
{
	(void)state;
	expect_error("tls_server_config:\n  cert_file: server.crt\n", "2:3",
		     "cert_file is set but key_file is not");
	expect_error("tls_server_config:\n  key_file: server.key\n", "2:3",
		     "key_file is set but cert_file is not");
	expect_error("tls_server_config:\n  min_version: TLS13\n", "2:3",
		     "tls_server_config needs cert_file and key_file");
	expect_error("tls_server_config:\n"
		     "  client_auth_type: RequestClientCert\n", "2:3",
		     "tls_server_config needs cert_file and key_file");
	expect_error("tls_server_config:\n  cert_file: ''\n"
		     "  key_file: server.key\n", "2:14", "cert_file is empty");
}

static void test_client_ca_rules(void **state)
{
	(void)state;
	expect_error(TLS "  client_auth_type: RequireAndVerifyClientCert\n",
		     "4:21", "client_auth_type RequireAndVerifyClientCert "
		     "verifies client certificates and needs client_ca_file");
	expect_error(TLS "  client_auth_type: VerifyClientCertIfGiven\n",
		     "4:21", "needs client_ca_file");
	expect_error(TLS "  client_ca_file: ca.crt\n", "4:3",
		     "client_ca_file is set but client_auth_type is "
		     "NoClientCert");
	expect_error(TLS "  client_auth_type: NoClientCert\n"
		     "  client_ca_file: ca.crt\n", "5:3",
		     "client_ca_file is set but");
}

static void test_bad_files(void **state)
{
	(void)state;
	expect_error("tls_server_config:\n  cert_file: nope.crt\n"
		     "  key_file: server.key\n", "2:14",
		     "cannot read cert_file " DIR "/nope.crt: No such file or "
		     "directory");
	expect_error("tls_server_config:\n  cert_file: .\n"
		     "  key_file: server.key\n", "2:14",
		     "cannot read cert_file " DIR "/.: Is a directory");
	expect_error("tls_server_config:\n  cert_file: server.crt\n"
		     "  key_file: /nonexistent/server.key\n", "3:13",
		     "cannot read key_file /nonexistent/server.key");
	expect_error(TLS "  client_auth_type: RequestClientCert\n"
		     "  client_ca_file: cas/\n", "5:19",
		     "cannot read client_ca_file " DIR "/cas/");
	expect_error("tls_server_config:\n  cert_file: not_pem.txt\n"
		     "  key_file: server.key\n", "2:14",
		     "cert_file holds no usable PEM certificate");
	expect_error("tls_server_config:\n  cert_file: server.key\n"
		     "  key_file: server.key\n", "2:14",
		     "cert_file holds no usable PEM certificate");
	expect_error("tls_server_config:\n  cert_file: server.crt\n"
		     "  key_file: server.crt\n", "3:13",
		     "key_file holds no usable PEM private key");
	expect_error("tls_server_config:\n  cert_file: server.crt\n"
		     "  key_file: encrypted.key\n", "3:13",
		     "encrypted keys are not supported");
	expect_error("tls_server_config:\n  cert_file: server.crt\n"
		     "  key_file: client.key\n", "3:13",
		     "key_file does not match cert_file");
	expect_error(TLS "  client_auth_type: RequireAnyClientCert\n"
		     "  client_ca_file: not_pem.txt\n", "5:19",
		     "client_ca_file holds no usable PEM certificate");
}

static void test_bad_users(void **state)
{
	static const char *const bad[] = {
		"plaintext",
		"$1$abcdefgh$ABCDEFGHIJKLMNOPQRSTUV",	/* md5-crypt */
		"$2x$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW",
		"$2y$03$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW",
		"$2y$32$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW",
		"$2y$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIr",
		"$2y$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW=",
		"'$2y$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIr!'",
		"$2y$4$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW0",
		"$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
	};
	char *text;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_true(asprintf(&text, "basic_auth_users:\n  alice: %s\n",
				     bad[i]) > 0);
		expect_error(text, "2:10",
			     "password of user alice is not a bcrypt hash");
		free(text);
	}
	expect_error("basic_auth_users:\n  alice:\n", "2:9",
		     "password of user alice is not a bcrypt hash");
	expect_error("basic_auth_users:\n  'a:b': " HASH "\n", "2:3",
		     "invalid user name \"a:b\"");
	expect_error("basic_auth_users:\n  '': " HASH "\n", "2:3",
		     "invalid user name \"\"");
}

static void test_bad_headers(void **state)
{
	(void)state;
	expect_error("http_server_config:\n  headers:\n    X-Foo: bar\n",
		     "3:5", "header \"X-Foo\" cannot be configured (allowed: ");
	expect_error("http_server_config:\n  headers:\n"
		     "    x-frame-options: deny\n", "3:5",
		     "header \"x-frame-options\" cannot be configured");
	expect_error("http_server_config:\n  headers:\n"
		     "    X-Frame-Options: allow\n", "3:22",
		     "invalid value \"allow\" for header X-Frame-Options "
		     "(allowed: deny, sameorigin)");
	expect_error("http_server_config:\n  headers:\n"
		     "    X-Content-Type-Options: sniff\n", "3:29",
		     "(allowed: nosniff)");
	expect_error("http_server_config:\n  headers:\n"
		     "    Strict-Transport-Security:\n", "3:31",
		     "needs a value without control characters");
	expect_error("http_server_config:\n  headers:\n"
		     "    Strict-Transport-Security: \"a\\r\\nSet-Cookie: x\"\n",
		     "3:32", "needs a value without control characters");
}

static void test_yaml_problems(void **state)
{
	(void)state;
	expect_error("tls_server_config: [\n", "2:1", "YAML syntax error");
	expect_error("a:\n\tb: 1\n", "2:1", "cannot start any token");
	expect_error("tls_server_config:\n  cert_file: 'x\n", "3:1",
		     "unexpected end of stream");
	expect_error("{}\n---\n{}\n", "3:1", "only one YAML document");
	expect_error("basic_auth_users: &u\n  alice: " HASH "\n"
		     "http_server_config:\n  headers: *u\n", "1:19",
		     "anchors and aliases are not supported");
	expect_error("basic_auth_users: {}\nbasic_auth_users: {}\n", "2:1",
		     "duplicate key \"basic_auth_users\" (first at line 1)");
	expect_error("basic_auth_users:\n  alice: " HASH "\n  alice: " HASH
		     "\n", "3:3", "duplicate key \"alice\"");
	expect_error("basic_auth_users:\n  al\xc3\x28" "ce: x\n", "2:6",
		     "invalid trailing UTF-8 octet");
}

/* Every problem of a file is printed, each with its position. */
static void test_all_reported(void **state)
{
	struct webcfg *wc;
	char *errs;

	(void)state;
	wc = parse("tls_server_config:\n"
		   "  cert_file: server.crt\n"
		   "  client_auth_type: Always\n"
		   "  cipher_suites: [TLS_AES_128_GCM_SHA256]\n"
		   "http_server_config:\n"
		   "  headers:\n"
		   "    X-Powered-By: C\n"
		   "basic_auth_users:\n"
		   "  alice: hunter2\n", &errs);
	assert_null(wc);
	assert_true(has_line(errs, F ":4:3: ", "cipher_suites"));
	assert_true(has_line(errs, F ":3:21: ", "client_auth_type"));
	assert_true(has_line(errs, F ":2:3: ", "key_file is not"));
	assert_true(has_line(errs, F ":7:5: ", "X-Powered-By"));
	assert_true(has_line(errs, F ":9:10: ", "bcrypt"));
	assert_int_equal(count_lines(errs), 5);
	free(errs);
}

static void test_load_errors(void **state)
{
	char path[] = "/tmp/test_webcfg.XXXXXX", *errs;
	struct webcfg *wc;
	size_t len;
	FILE *f;
	int fd;

	(void)state;
	f = open_memstream(&errs, &len);
	wc = webcfg_load(DIR "/missing.yml", f);
	assert_int_equal(errno, ENOENT);
	fclose(f);
	assert_null(wc);
	assert_string_equal(errs, DIR "/missing.yml: cannot read web config: "
			    "No such file or directory\n");
	free(errs);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "a: \0b\n", 6), 6);
	close(fd);
	f = open_memstream(&errs, &len);
	wc = webcfg_load(path, f);
	fclose(f);
	unlink(path);
	assert_null(wc);
	assert_non_null(strstr(errs, "contains a NUL byte"));
	free(errs);
	assert_null(webcfg_load(DIR "/missing.yml", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_load_good),
		cmocka_unit_test(test_tls_minimal),
		cmocka_unit_test(test_absolute_paths),
		cmocka_unit_test(test_client_auth_types),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_headers_and_users),
		cmocka_unit_test(test_unknown_and_unsupported_keys),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_cert_key_pairing),
		cmocka_unit_test(test_client_ca_rules),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_bad_users),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_yaml_problems),
		cmocka_unit_test(test_all_reported),
		cmocka_unit_test(test_load_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
