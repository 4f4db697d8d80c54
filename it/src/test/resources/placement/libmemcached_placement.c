/*
 * Asks the installed libmemcached where keys go, for PlacementReferenceIT. Reads commands on stdin:
 *   new                          start a fresh memcached_st
 *   server HOST PORT WEIGHT      memcached_server_add_with_weight
 *   behavior NAME VALUE          memcached_behavior_set; NAME hash|ketama_hash|ketama|ketama_weighted|distribution,
 *                                VALUE a hash or distribution name as pylibmc spells it, or 0/1
 *   keys N                       then N lines of hex-encoded keys; prints one server index per key
 *   again                        prints the server index of each key of the last "keys" again
 * No server is contacted: memcached_generate_hash only computes the placement.
 */
#include <libmemcached/memcached.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *HASHES[] = {"default", "md5", "crc", "fnv1_64", "fnv1a_64", "fnv1_32", "fnv1a_32",
                               "hsieh", "murmur", "jenkins", NULL};
static const char *DISTRIBUTIONS[] = {"modula", "consistent", "consistent_ketama", "random",
                                      "consistent_ketama_spy", "consistent_weighted", NULL};

static long lookup(const char **names, const char *value) {
  for (long i = 0; names[i]; i++) {
    if (strcmp(names[i], value) == 0) return i;
  }
  return strtol(value, NULL, 10);
}

static void die(const char *what, memcached_st *memc, memcached_return_t rc) {
  fprintf(stderr, "%s: %s\n", what, memc ? memcached_strerror(memc, rc) : "failed");
  exit(2);
}

int main(void) {
  memcached_st *memc = NULL;
  char line[4096];
  static char keys[20000][251];
  static size_t lengths[20000];
  unsigned long count = 0;
  while (fgets(line, sizeof line, stdin)) {
    char cmd[32], a[1024], b[64];
    unsigned long w;
    if (sscanf(line, "%31s", cmd) != 1) continue;
    if (strcmp(cmd, "new") == 0) {
      if (memc) memcached_free(memc);
      memc = memcached_create(NULL);
    } else if (strcmp(cmd, "server") == 0 && sscanf(line, "%*s %1023s %63s %lu", a, b, &w) == 3) {
      memcached_return_t rc = memcached_server_add_with_weight(memc, a, (in_port_t) atoi(b), (uint32_t) w);
      if (rc != MEMCACHED_SUCCESS) die("server_add", memc, rc);
    } else if (strcmp(cmd, "behavior") == 0 && sscanf(line, "%*s %1023s %63s", a, b) == 2) {
      memcached_behavior_t flag;
      long value;
      if (strcmp(a, "hash") == 0) { flag = MEMCACHED_BEHAVIOR_HASH; value = lookup(HASHES, b); }
      else if (strcmp(a, "ketama_hash") == 0) { flag = MEMCACHED_BEHAVIOR_KETAMA_HASH; value = lookup(HASHES, b); }
      else if (strcmp(a, "ketama") == 0) { flag = MEMCACHED_BEHAVIOR_KETAMA; value = strtol(b, NULL, 10); }
      else if (strcmp(a, "ketama_weighted") == 0) { flag = MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED; value = strtol(b, NULL, 10); }
      else if (strcmp(a, "distribution") == 0) { flag = MEMCACHED_BEHAVIOR_DISTRIBUTION; value = lookup(DISTRIBUTIONS, b); }
      else { fprintf(stderr, "unknown behavior %s\n", a); return 2; }
      memcached_return_t rc = memcached_behavior_set(memc, flag, (uint64_t) value);
      if (rc != MEMCACHED_SUCCESS) die("behavior_set", memc, rc);
    } else if (strcmp(cmd, "keys") == 0 && sscanf(line, "%*s %lu", &w) == 1 && w <= 20000) {
      for (count = 0; count < w; count++) {
        if (!fgets(line, sizeof line, stdin)) return 2;
        size_t n = strcspn(line, "\r\n") / 2;
        if (n > 250) return 2;
        for (size_t i = 0; i < n; i++) {
          unsigned int byte;
          sscanf(line + 2 * i, "%2x", &byte);
          keys[count][i] = (char) byte;
        }
        lengths[count] = n;
      }
      for (unsigned long k = 0; k < count; k++) printf("%u\n", memcached_generate_hash(memc, keys[k], lengths[k]));
      fflush(stdout);
    } else if (strcmp(cmd, "again") == 0) {
      for (unsigned long k = 0; k < count; k++) printf("%u\n", memcached_generate_hash(memc, keys[k], lengths[k]));
      fflush(stdout);
    } else {
      fprintf(stderr, "bad command: %s", line);
      return 2;
    }
  }
  return 0;
}
