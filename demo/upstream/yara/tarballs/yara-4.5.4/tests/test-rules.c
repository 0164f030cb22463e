/* Stand-in for yara's rule tests over tests/data (azldrift demo). */
int main(void) { return 0; }
