// c-ares 1.18 (Debian 12's libc-ares-dev) plus the few pieces of glibc the resolver thread needs.
//
// Why libresolv is here: c-ares 1.18's ares_parse_srv_reply and ares_parse_naptr_reply drop the
// records' TTLs, and RFC 3263 caching must never outlive them. glibc's ns_initparse/ns_parserr read
// the TTLs from the same answer buffer, so no DNS parsing is written by hand. Its accessors are
// macros, which Swift cannot call, hence the inline wrappers below.
#ifndef SIPENDPOINT_CARES_SHIM_H
#define SIPENDPOINT_CARES_SHIM_H

#include <ares.h>
#include <ares_nameser.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <poll.h>
#include <sys/prctl.h>

/// Smallest TTL of every record in the answer section (so a CNAME in the chain bounds it too).
/// Returns the number of answer records, or -1 when libresolv cannot parse the message.
static inline int sipe_answer_min_ttl(const unsigned char *abuf, int alen, unsigned int *ttl_out) {
    ns_msg msg;
    if (abuf == NULL || alen <= 0 || ns_initparse(abuf, alen, &msg) != 0) { return -1; }
    int count = ns_msg_count(msg, ns_s_an);
    unsigned int min_ttl = 0xFFFFFFFFu;
    for (int i = 0; i < count; i++) {
        ns_rr rr;
        if (ns_parserr(&msg, ns_s_an, i, &rr) != 0) { return -1; }
        unsigned int ttl = (unsigned int)ns_rr_ttl(rr);
        if (ttl < min_ttl) { min_ttl = ttl; }
    }
    *ttl_out = count > 0 ? min_ttl : 0;
    return count;
}

/// RFC 2308 §5: a negative answer may be cached for min(SOA TTL, SOA MINIMUM) taken from the
/// authority section. Returns 1 and sets *ttl_out when an SOA is there, 0 when not, -1 on a parse error.
static inline int sipe_negative_ttl(const unsigned char *abuf, int alen, unsigned int *ttl_out) {
    ns_msg msg;
    if (abuf == NULL || alen <= 0 || ns_initparse(abuf, alen, &msg) != 0) { return -1; }
    int count = ns_msg_count(msg, ns_s_ns);
    for (int i = 0; i < count; i++) {
        ns_rr rr;
        if (ns_parserr(&msg, ns_s_ns, i, &rr) != 0) { return -1; }
        // MINIMUM is the last 32-bit field of SOA RDATA, after two domain names of variable length.
        if (ns_rr_type(rr) != ns_t_soa || ns_rr_rdlen(rr) < 22) { continue; }
        unsigned int ttl = (unsigned int)ns_rr_ttl(rr);
        unsigned int minimum = (unsigned int)ns_get32(ns_rr_rdata(rr) + ns_rr_rdlen(rr) - 4);
        *ttl_out = ttl < minimum ? ttl : minimum;
        return 1;
    }
    return 0;
}

static inline int sipe_getsock_readable(int bits, int num) { return ARES_GETSOCK_READABLE(bits, num) != 0; }
static inline int sipe_getsock_writable(int bits, int num) { return ARES_GETSOCK_WRITABLE(bits, num) != 0; }

/// Names the calling thread (shows in `top -H`, gdb); pthread_setname_np needs _GNU_SOURCE, which
/// a module header cannot set reliably.
static inline void sipe_name_current_thread(const char *name) { (void)prctl(PR_SET_NAME, name, 0, 0, 0); }

#endif
