/* Stand-in for the yarac rule compiler (azldrift demo). */
int main(void) { return 0; }
