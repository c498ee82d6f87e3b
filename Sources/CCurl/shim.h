// libcurl for Swift: curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call,
// so each argument kind gets a fixed-type wrapper.
#ifndef CIVICGATE_CCURL_SHIM_H
#define CIVICGATE_CCURL_SHIM_H
#include <curl/curl.h>

typedef size_t (*cg_write_callback)(char *data, size_t size, size_t count, void *user);
typedef size_t (*cg_read_callback)(char *buffer, size_t size, size_t count, void *user);

static inline CURLcode cg_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode cg_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode cg_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode cg_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode cg_setopt_write_function(CURL *h, cg_write_callback f) { return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, f); }
static inline CURLcode cg_setopt_read_function(CURL *h, cg_read_callback f) { return curl_easy_setopt(h, CURLOPT_READFUNCTION, f); }
static inline CURLcode cg_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode cg_global_init(void) { return curl_global_init(CURL_GLOBAL_DEFAULT); }
#endif
