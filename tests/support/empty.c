/* empty.c — keeps the support library non-empty before helpers exist. */
typedef int diming_test_support_empty;
