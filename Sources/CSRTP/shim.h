// libsrtp 2 (Debian `libsrtp2-dev`): SRTP and SRTCP (RFC 3711) for the media of calls, and OpenSSL's
// CSPRNG (libcrypto, `libssl-dev`) for the SDES master keys (RFC 4568 §6.1: keys must be random).
//
// libsrtp's policy setters for the default suite are macros, which Swift cannot call; the inline
// functions below fill a policy for one suite and one direction.
#ifndef SIPENDPOINT_CSRTP_SHIM_H
#define SIPENDPOINT_CSRTP_SHIM_H

#include <string.h>
#include <srtp2/srtp.h>
#include <openssl/rand.h>
#include "openssl_transforms.h"

/// Suites, numbered as SIPMedia's SRTPSuite.
enum {
    SIPE_SRTP_AES_CM_128_HMAC_SHA1_80 = 1,
    SIPE_SRTP_AES_CM_128_HMAC_SHA1_32 = 2,
    SIPE_SRTP_AEAD_AES_128_GCM = 3,
    SIPE_SRTP_AEAD_AES_256_GCM = 4,
};

/// Fills `policy` for every SSRC of one direction (`outbound` 1: what srtp_protect uses; 0: inbound)
/// with `key` (master key then master salt). Returns 0, or -1 for an unknown suite.
/// AES_CM_128_HMAC_SHA1_32 keeps the 80-bit tag on SRTCP (RFC 4568 §6.2.2, RFC 3711 §5.2).
static inline int sipe_srtp_policy(srtp_policy_t *policy, int suite, unsigned char *key, int outbound, unsigned long window) {
    memset(policy, 0, sizeof(*policy));
    switch (suite) {
    case SIPE_SRTP_AES_CM_128_HMAC_SHA1_80:
        srtp_crypto_policy_set_rtp_default(&policy->rtp);
        srtp_crypto_policy_set_rtcp_default(&policy->rtcp);
        break;
    case SIPE_SRTP_AES_CM_128_HMAC_SHA1_32:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy->rtp);
        srtp_crypto_policy_set_rtcp_default(&policy->rtcp);
        break;
    case SIPE_SRTP_AEAD_AES_128_GCM:
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy->rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy->rtcp);
        break;
    case SIPE_SRTP_AEAD_AES_256_GCM:
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy->rtp);
        srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy->rtcp);
        break;
    default:
        return -1;
    }
    policy->ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
    policy->ssrc.value = 0;
    policy->key = key;
    policy->window_size = window;
    policy->allow_repeat_tx = 0;
    policy->next = NULL;
    return 0;
}

/// Room srtp_protect / srtp_protect_rtcp may write after the packet.
static inline int sipe_srtp_max_trailer(void) { return SRTP_MAX_TRAILER_LEN + 4; }

#endif
