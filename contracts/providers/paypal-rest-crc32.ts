/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum PayPal REST signs the body with. Node 20 has no
 * `zlib.crc32`, so a small table-based one. The result is always the unsigned value (0 … 2^32-1): PayPal signs its
 * unsigned decimal; an implementation that prints the signed 32-bit int differs for every body whose top bit is set.
 */
const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The unsigned CRC-32 of the bytes. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The same checksum read as a signed 32-bit int: the mistake (`crc | 0`) the `crc-as-signed-int` flaw makes. */
export function crc32AsSignedInt(bytes: Uint8Array): number {
  return crc32(bytes) | 0;
}
