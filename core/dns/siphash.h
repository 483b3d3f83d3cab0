/*
 * siphash.h — SipHash-2-4, a keyed 64-bit hash (see siphash.c). Used for
 * DNS server cookies (cookie.c) and rate-limit buckets (rrl.c).
 */
#ifndef POOLDNS_SIPHASH_H
#define POOLDNS_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* SipHash-2-4 of msg[0..len) under the 128-bit key; the 64-bit result is
 * the little-endian reading of the 8 output bytes of the reference. */
uint64_t pooldns_siphash24(const uint8_t key[16], const uint8_t *msg, size_t len);

#endif
