#include <stddef.h>
int deref(int c) {
  int *p = NULL;
  if (c) return *p;
  return 0;
}
