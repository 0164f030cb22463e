/* Stand-in for the yara command (azldrift demo). */
int yr_scan(const char *rules, const char *path);
int main(int argc, char **argv) { return argc == 3 ? yr_scan(argv[1], argv[2]) : 2; }
