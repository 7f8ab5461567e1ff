#ifndef CCODECS_H
#define CCODECS_H
// C entry points that run libjpeg / libpng under setjmp. Filled in by the Imaging work.
int ccodecs_version(void);
#endif
