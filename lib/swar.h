/* swar.h - eight bytes at a time in a 64-bit word (private to libftplab):
 * the scanners of jsonw.c and linebuf.c test runs of plain bytes with these
 * instead of one byte at a time. Each test is exact: true if and only if
 * some byte of the word has the property. */
#ifndef FTPLAB_LIB_SWAR_H
#define FTPLAB_LIB_SWAR_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define SWAR_ONES 0x0101010101010101ull
#define SWAR_HIGHS 0x8080808080808080ull

static inline uint64_t swar_load(const unsigned char *p)
{
	uint64_t x;

	memcpy(&x, p, 8);
	return x;
}

/* Some byte is 0. */
static inline bool swar_has_zero(uint64_t x)
{
	return ((x - SWAR_ONES) & ~x & SWAR_HIGHS) != 0;
}

/* Some byte equals c. */
static inline bool swar_has_byte(uint64_t x, unsigned char c)
{
	return swar_has_zero(x ^ (SWAR_ONES * c));
}

/* Some byte is 0x80 or above. */
static inline bool swar_has_high(uint64_t x)
{
	return (x & SWAR_HIGHS) != 0;
}

/* Some byte is below n (n <= 0x80). */
static inline bool swar_has_below(uint64_t x, unsigned char n)
{
	return ((x - SWAR_ONES * n) & ~x & SWAR_HIGHS) != 0;
}

#endif
