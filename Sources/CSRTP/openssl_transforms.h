// AES-ICM-128 and HMAC-SHA1 for libsrtp 2 from OpenSSL's libcrypto, registered in place of the
// library's own through its public srtp_replace_cipher_type / srtp_replace_auth_type.
//
// Why: Debian builds libsrtp2 against NSS, whose backend makes a new PK11 context for every packet,
// twice (keystream and tag), which tripled a call's CPU (docs/PERFORMANCE.md). These keep one
// EVP_CIPHER_CTX and one EVP_MAC_CTX per SRTP stream for its life, as libsrtp's own OpenSSL backend
// does. libsrtp runs its known-answer tests (RFC 3711 B.2 keystream, RFC 2202 HMAC-SHA1) on a
// replacement before it takes it; when they fail, or OpenSSL lacks an algorithm, the library keeps
// its own, and SIPMedia's SRTPLibrary.backend says which is in use.
#ifndef SIPENDPOINT_CSRTP_OPENSSL_TRANSFORMS_H
#define SIPENDPOINT_CSRTP_OPENSSL_TRANSFORMS_H

#include <stdlib.h>
#include <string.h>
#include <srtp2/srtp.h>
#include <srtp2/cipher.h>
#include <srtp2/auth.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

// libsrtp's known-answer data for the types being replaced (exported by libsrtp2.so, not declared).
extern const srtp_cipher_test_case_t srtp_aes_icm_128_test_case_0;
extern const srtp_auth_test_case_t srtp_hmac_test_case_0;

// ---- AES-ICM-128 (RFC 3711 §4.1.1): key (16) then salt (14); counter = (salt << 16) XOR IV.

typedef struct {
    EVP_CIPHER_CTX *ctx;
    uint8_t key[16];
    uint8_t offset[16];
} sipe_icm_state;

static srtp_err_status_t sipe_icm_dealloc(srtp_cipher_pointer_t c) {
    if (c == NULL) { return srtp_err_status_bad_param; }
    sipe_icm_state *s = (sipe_icm_state *)c->state;
    if (s != NULL) {
        EVP_CIPHER_CTX_free(s->ctx);
        memset(s, 0, sizeof(*s));
        free(s);
    }
    memset(c, 0, sizeof(*c));
    free(c);
    return srtp_err_status_ok;
}

static srtp_err_status_t sipe_icm_alloc(srtp_cipher_pointer_t *c, int key_len, int tag_len);

static srtp_err_status_t sipe_icm_init(void *state, const uint8_t *key) {
    sipe_icm_state *s = (sipe_icm_state *)state;
    memcpy(s->key, key, 16);
    memset(s->offset, 0, 16);
    memcpy(s->offset, key + 16, 14);
    if (EVP_EncryptInit_ex(s->ctx, EVP_aes_128_ctr(), NULL, s->key, NULL) != 1) { return srtp_err_status_init_fail; }
    return srtp_err_status_ok;
}

static srtp_err_status_t sipe_icm_set_iv(void *state, uint8_t *iv, srtp_cipher_direction_t direction) {
    (void)direction;
    sipe_icm_state *s = (sipe_icm_state *)state;
    uint8_t counter[16];
    for (int i = 0; i < 16; i++) { counter[i] = s->offset[i] ^ iv[i]; }
    if (EVP_EncryptInit_ex(s->ctx, NULL, NULL, NULL, counter) != 1) { return srtp_err_status_cipher_fail; }
    return srtp_err_status_ok;
}

static srtp_err_status_t sipe_icm_encrypt(void *state, uint8_t *buffer, unsigned int *octets) {
    sipe_icm_state *s = (sipe_icm_state *)state;
    int out = 0;
    if (EVP_EncryptUpdate(s->ctx, buffer, &out, buffer, (int)*octets) != 1) { return srtp_err_status_cipher_fail; }
    *octets = (unsigned int)out;
    return srtp_err_status_ok;
}

static const srtp_cipher_type_t sipe_icm_128 = {
    sipe_icm_alloc, sipe_icm_dealloc, sipe_icm_init, NULL, sipe_icm_encrypt, sipe_icm_encrypt, sipe_icm_set_iv, NULL,
    "AES-128 counter mode (OpenSSL, SipEndpoint)", &srtp_aes_icm_128_test_case_0, SRTP_AES_ICM_128,
};

static srtp_err_status_t sipe_icm_alloc(srtp_cipher_pointer_t *c, int key_len, int tag_len) {
    (void)tag_len;
    if (key_len != SRTP_AES_ICM_128_KEY_LEN_WSALT) { return srtp_err_status_bad_param; }
    srtp_cipher_t *cipher = (srtp_cipher_t *)calloc(1, sizeof(srtp_cipher_t));
    sipe_icm_state *s = (sipe_icm_state *)calloc(1, sizeof(sipe_icm_state));
    if (cipher == NULL || s == NULL || (s->ctx = EVP_CIPHER_CTX_new()) == NULL) {
        free(cipher);
        free(s);
        return srtp_err_status_alloc_fail;
    }
    cipher->type = &sipe_icm_128;
    cipher->state = s;
    cipher->key_len = key_len;
    cipher->algorithm = SRTP_AES_ICM_128;
    *c = cipher;
    return srtp_err_status_ok;
}

// ---- HMAC-SHA1 (RFC 2104): the key is set once per stream; each packet starts from it.

typedef struct {
    EVP_MAC_CTX *ctx;
} sipe_hmac_state;

static srtp_err_status_t sipe_hmac_dealloc(srtp_auth_pointer_t a) {
    if (a == NULL) { return srtp_err_status_bad_param; }
    sipe_hmac_state *s = (sipe_hmac_state *)a->state;
    if (s != NULL) {
        EVP_MAC_CTX_free(s->ctx);
        free(s);
    }
    memset(a, 0, sizeof(*a));
    free(a);
    return srtp_err_status_ok;
}

static srtp_err_status_t sipe_hmac_alloc(srtp_auth_pointer_t *a, int key_len, int out_len);

static srtp_err_status_t sipe_hmac_init(void *state, const uint8_t *key, int key_len) {
    sipe_hmac_state *s = (sipe_hmac_state *)state;
    char digest[] = "SHA1";
    OSSL_PARAM params[] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end() };
    if (EVP_MAC_init(s->ctx, key, (size_t)key_len, params) != 1) { return srtp_err_status_auth_fail; }
    return srtp_err_status_ok;
}

static srtp_err_status_t sipe_hmac_start(void *state) {
    sipe_hmac_state *s = (sipe_hmac_state *)state;
    // A NULL key re-initialises with the key already set (OpenSSL 3).
    if (EVP_MAC_init(s->ctx, NULL, 0, NULL) != 1) { return srtp_err_status_auth_fail; }
    return srtp_err_status_ok;
}

static srtp_err_status_t sipe_hmac_update(void *state, const uint8_t *buffer, int octets) {
    sipe_hmac_state *s = (sipe_hmac_state *)state;
    if (EVP_MAC_update(s->ctx, buffer, (size_t)octets) != 1) { return srtp_err_status_auth_fail; }
    return srtp_err_status_ok;
}

static srtp_err_status_t sipe_hmac_compute(void *state, const uint8_t *buffer, int octets, int tag_len, uint8_t *tag) {
    sipe_hmac_state *s = (sipe_hmac_state *)state;
    uint8_t hash[20];
    size_t length = 0;
    if (tag_len < 0 || tag_len > 20) { return srtp_err_status_bad_param; }
    if (EVP_MAC_update(s->ctx, buffer, (size_t)octets) != 1) { return srtp_err_status_auth_fail; }
    if (EVP_MAC_final(s->ctx, hash, &length, sizeof(hash)) != 1 || length != 20) { return srtp_err_status_auth_fail; }
    memcpy(tag, hash, (size_t)tag_len);
    return srtp_err_status_ok;
}

static const srtp_auth_type_t sipe_hmac_sha1 = {
    sipe_hmac_alloc, sipe_hmac_dealloc, sipe_hmac_init, sipe_hmac_compute, sipe_hmac_update, sipe_hmac_start,
    "HMAC-SHA1 (OpenSSL, SipEndpoint)", &srtp_hmac_test_case_0, SRTP_HMAC_SHA1,
};

static srtp_err_status_t sipe_hmac_alloc(srtp_auth_pointer_t *a, int key_len, int out_len) {
    if (key_len > 20 || out_len > 20) { return srtp_err_status_bad_param; }
    srtp_auth_t *auth = (srtp_auth_t *)calloc(1, sizeof(srtp_auth_t));
    sipe_hmac_state *s = (sipe_hmac_state *)calloc(1, sizeof(sipe_hmac_state));
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (auth == NULL || s == NULL || mac == NULL || (s->ctx = EVP_MAC_CTX_new(mac)) == NULL) {
        EVP_MAC_free(mac);
        free(auth);
        free(s);
        return srtp_err_status_alloc_fail;
    }
    EVP_MAC_free(mac);  // the context holds its own reference
    auth->type = &sipe_hmac_sha1;
    auth->state = s;
    auth->out_len = out_len;
    auth->key_len = key_len;
    auth->prefix_len = 0;
    *a = auth;
    return srtp_err_status_ok;
}

/// Registers both after srtp_init. Returns 1 when libsrtp took both, 0 when it kept its own for
/// either (their self-tests failed); libsrtp is then still complete and correct, only slower.
static inline int sipe_srtp_use_openssl(void) {
    if (srtp_replace_cipher_type(&sipe_icm_128, SRTP_AES_ICM_128) != srtp_err_status_ok) { return 0; }
    if (srtp_replace_auth_type(&sipe_hmac_sha1, SRTP_HMAC_SHA1) != srtp_err_status_ok) { return 0; }
    return 1;
}

#endif
