// Linux I/O primitives the HTTPServer event loops need and the Glibc module does not export.
#if defined(__linux__)
#include <sys/epoll.h>
#include <sys/eventfd.h>
#endif
