/* pb_sig: hand-drawn signatures as compact strokes.
 *
 * Format (JSON, parsed with jansson):
 *   {"w": 300, "h": 150, "s": [[x0, y0, dx1, dy1, dx2, dy2, ...], ...]}
 * w, h: the drawing area in integer units; each stroke starts with an
 * absolute point followed by integer deltas to the next points. Every
 * point must stay inside [0, w] x [0, h]. A typical signature is 1-2 KB.
 * The box stores the canonical compact form and renders it back as SVG.
 *
 * Stored signatures are simplified first (pb_sig_store): a finger draws
 * ~60 points a second along curves that straight segments follow to within
 * PB_SIG_SIMPLIFY_PX, so every drawn point stays within that distance of
 * the stored polyline, and the stored text is what the record hashes.
 *
 * On the uplink a signature travels packed (pb_sig_pack): "~", then w, h
 * and every stroke's numbers as zigzag varints in base64url digits (five
 * bits a digit, the sixth says another digit follows), strokes separated
 * by ".". One digit per small delta keeps the deltas' skew visible to the
 * batch compressor. pb_sig_unpack gives back the same JSON object. */
#ifndef PB_SIG_H
#define PB_SIG_H

#include <jansson.h>
#include <stddef.h>

#define PB_SIG_BYTES_MAX   8192   /* canonical JSON text */
#define PB_SIG_DIM_MAX     2000   /* w and h */
#define PB_SIG_STROKES_MAX 64
#define PB_SIG_POINTS_MAX  2000   /* over all strokes */
#define PB_SIG_SIMPLIFY_PX 1      /* largest distance of a drawn point from the stored line */
#define PB_SIG_PACKED_MAX  (PB_SIG_BYTES_MAX + 16)   /* packed text */

enum pb_sig_result {
	PB_SIG_OK = 0,
	PB_SIG_BAD_FORMAT,
	PB_SIG_TOO_LARGE,
	PB_SIG_OUT_OF_BOUNDS,
	PB_SIG_EMPTY,
};

const char *pb_sig_strerror(enum pb_sig_result r);

/* Check a decoded signature. On PB_SIG_OK *canonical is a malloc'd
 * compact JSON text (free it). */
enum pb_sig_result pb_sig_validate(const json_t *sig, char **canonical);

/* pb_sig_validate, then the strokes simplified to within
 * PB_SIG_SIMPLIFY_PX (Ramer-Douglas-Peucker): the form a signature is
 * stored in. */
enum pb_sig_result pb_sig_store(const json_t *sig, char **canonical);

/* Packed text of a valid signature object (malloc'd), or NULL. */
char *pb_sig_pack(const json_t *sig);
/* The signature object of a packed text (new reference), or NULL when the
 * text is not a packed signature that validates. */
json_t *pb_sig_unpack(const char *packed);

/* Render a canonical signature as an SVG document (malloc'd, NUL-ended),
 * or NULL if it does not validate. */
char *pb_sig_svg(const char *canonical, size_t *len);

#endif
