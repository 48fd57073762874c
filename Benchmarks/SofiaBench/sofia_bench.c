/*
 * sofia_bench: the reference figure for `SipBench parse`'s `parse-typed-mean-ns`, measured in the
 * same run on the same messages. For every file of a directory (SipBench writes its corpus there with
 * `SipBench corpus DIR`) it times making a sofia-sip message from the bytes (msg_make parses every
 * header it knows into its typed structure), reading every header it has as that typed value (each
 * string field's length, each number, each parameter, each URI part) and destroying the message.
 * One warm-up round, then the median of five rounds per message; the last line is the mean over the
 * corpus, as SipBench prints its own. Built by Scripts/sofia-bench against Debian's libsofia-sip-ua-dev.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_protos.h>
#include <sofia-sip/sip_extra.h>
#include <sofia-sip/sofia_features.h>
#include <sofia-sip/su.h>
#include <sofia-sip/url.h>

static volatile size_t sink;

static size_t len(char const *s) { return s ? strlen(s) : 0; }

static size_t params(msg_param_t const *p) {
    size_t n = 0;
    for (; p && *p; p++) n += strlen(*p) + 1;
    return n;
}

static size_t url(url_t const *u) {
    return (size_t)u->url_type + len(u->url_scheme) + len(u->url_user) + len(u->url_password) + len(u->url_host) +
           len(u->url_port) + len(u->url_path) + len(u->url_params) + len(u->url_headers) + len(u->url_fragment);
}

static size_t auth(msg_auth_t const *a) {
    size_t n = 0;
    for (; a; a = a->au_next) n += len(a->au_scheme) + params(a->au_params);
    return n;
}

static size_t list(msg_list_t const *k) {
    size_t n = 0;
    for (; k; k = k->k_next) n += params(k->k_items);
    return n;
}

/* Reads every typed header the message has, touching every field. */
static size_t read_typed(sip_t const *sip) {
    size_t n = 0;
    if (sip->sip_request)
        n += (size_t)sip->sip_request->rq_method + len(sip->sip_request->rq_method_name) +
             url(sip->sip_request->rq_url) + len(sip->sip_request->rq_version);
    if (sip->sip_status)
        n += (size_t)sip->sip_status->st_status + len(sip->sip_status->st_phrase) + len(sip->sip_status->st_version);
    for (sip_via_t const *v = sip->sip_via; v; v = v->v_next)
        n += len(v->v_protocol) + len(v->v_host) + len(v->v_port) + params(v->v_params) + len(v->v_comment) +
             len(v->v_ttl) + len(v->v_maddr) + len(v->v_received) + len(v->v_branch) + len(v->v_rport) +
             len(v->v_comp);
    sip_route_t const *routes[2] = {sip->sip_route, sip->sip_record_route};
    for (int i = 0; i < 2; i++)
        for (sip_route_t const *r = routes[i]; r; r = r->r_next)
            n += len(r->r_display) + url(r->r_url) + params(r->r_params);
    sip_addr_t const *addrs[2] = {sip->sip_from, sip->sip_to};
    for (int i = 0; i < 2; i++)
        if (addrs[i])
            n += len(addrs[i]->a_display) + url(addrs[i]->a_url) + params(addrs[i]->a_params) +
                 len(addrs[i]->a_comment) + len(addrs[i]->a_tag);
    if (sip->sip_call_id) n += len(sip->sip_call_id->i_id) + sip->sip_call_id->i_hash;
    if (sip->sip_cseq) n += sip->sip_cseq->cs_seq + (size_t)sip->sip_cseq->cs_method + len(sip->sip_cseq->cs_method_name);
    if (sip->sip_max_forwards) n += sip->sip_max_forwards->mf_count;
    for (sip_contact_t const *m = sip->sip_contact; m; m = m->m_next)
        n += len(m->m_display) + url(m->m_url) + params(m->m_params) + len(m->m_comment) + len(m->m_q) +
             len(m->m_expires);
    n += auth(sip->sip_www_authenticate) + auth(sip->sip_proxy_authenticate) + auth(sip->sip_authorization) +
         auth(sip->sip_proxy_authorization);
    if (sip->sip_expires) n += sip->sip_expires->ex_delta + sip->sip_expires->ex_date;
    if (sip->sip_date) n += sip->sip_date->d_time;
    if (sip->sip_content_type)
        n += len(sip->sip_content_type->c_type) + len(sip->sip_content_type->c_subtype) +
             params(sip->sip_content_type->c_params);
    if (sip->sip_content_length) n += sip->sip_content_length->l_length;
    if (sip->sip_allow) n += params(sip->sip_allow->k_items) + sip->sip_allow->k_bitmap;
    n += list(sip->sip_supported) + list(sip->sip_require) + list(sip->sip_unsupported) + list(sip->sip_proxy_require);
    if (sip->sip_server) n += len(sip->sip_server->g_string);
    if (sip->sip_user_agent) n += len(sip->sip_user_agent->g_string);
    for (sip_reason_t const *r = sip_reason(sip); r; r = r->re_next)
        n += len(r->re_protocol) + params(r->re_params) + len(r->re_cause) + len(r->re_text);
    for (sip_unknown_t const *u = sip->sip_unknown; u; u = u->un_next) n += len(u->un_name) + len(u->un_value);
    if (sip->sip_error) n += 1000000; /* a header sofia could not parse: reported below */
    if (sip->sip_payload) n += sip->sip_payload->pl_len;
    return n;
}

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp(void const *a, void const *b) {
    double x = *(double const *)a, y = *(double const *)b;
    return x < y ? -1 : x > y;
}

static msg_t *parse(char const *data, size_t size) {
    return msg_make(sip_default_mclass(), 0, data, (isize_t)size);
}

/* Median ns per parse+read+destroy over 5 rounds after a warm-up round. */
static double measure(char const *data, size_t size, long iterations) {
    double rounds[5];
    for (int round = 0; round < 6; round++) {
        double start = now_ns();
        for (long i = 0; i < iterations; i++) {
            msg_t *msg = parse(data, size);
            sink += read_typed(sip_object(msg));
            msg_destroy(msg);
        }
        double ns = (now_ns() - start) / (double)iterations;
        if (round > 0) rounds[round - 1] = ns;
    }
    qsort(rounds, 5, sizeof rounds[0], cmp);
    return rounds[2];
}

static int by_name(void const *a, void const *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: sofia_bench DIR [ITERATIONS]\n");
        return 2;
    }
    long iterations = argc > 2 ? atol(argv[2]) : 50000;
    su_init();
    DIR *dir = opendir(argv[1]);
    if (!dir) {
        perror(argv[1]);
        return 2;
    }
    char *names[64];
    int count = 0;
    for (struct dirent *e; (e = readdir(dir)) && count < 64;)
        if (e->d_name[0] != '.') names[count++] = strdup(e->d_name);
    closedir(dir);
    qsort(names, (size_t)count, sizeof names[0], by_name);
    printf("sofia-sip %s parse+all typed — %d messages, %ld iterations each, median of 5 rounds\n",
           SOFIA_SIP_VERSION, count, iterations);
    double total = 0;
    for (int i = 0; i < count; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[1], names[i]);
        FILE *f = fopen(path, "rb");
        if (!f) {
            perror(path);
            return 2;
        }
        static char data[65536];
        size_t size = fread(data, 1, sizeof data, f);
        fclose(f);
        msg_t *msg = parse(data, size);
        sip_t const *sip = msg ? sip_object(msg) : NULL;
        if (!sip || sip->sip_error || !(sip->sip_request || sip->sip_status)) {
            fprintf(stderr, "%s: sofia-sip could not parse every header\n", names[i]);
            return 1;
        }
        msg_destroy(msg);
        double ns = measure(data, size, iterations);
        total += ns;
        printf("%-34s %6zu %8.0f\n", names[i], size, ns);
    }
    printf("sofia-parse-typed-mean-ns: %.0f\n", total / count);
    su_deinit();
    return 0;
}
