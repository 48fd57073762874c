// OpenSSL's libcrypto (Debian `libssl-dev`), for the message digests of SIP digest authentication
// (RFC 7616). A system library rather than swift-crypto: swift-crypto compiles a second BoringSSL
// beside swift-nio-ssl's and adds minutes to every cold build.
#ifndef SIPENDPOINT_CCRYPTO_SHIM_H
#define SIPENDPOINT_CCRYPTO_SHIM_H

#include <openssl/evp.h>

#endif
