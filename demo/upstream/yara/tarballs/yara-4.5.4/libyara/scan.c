/* Stand-in for libyara's scanner (azldrift demo). */
int yr_scan(const char *rules, const char *path) { return rules && path ? 0 : -1; }
