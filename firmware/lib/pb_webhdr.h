/* pb_webhdr: the security headers of every page the project serves, the
 * box's (pb-web) and the office's on the hub (pb-hub), so both keep the
 * same policy. Headers only: no code. */
#ifndef PB_WEBHDR_H
#define PB_WEBHDR_H

/* Scripts, styles and everything else only from the server's own files:
 * no inline script or style anywhere. */
#define PB_WEBHDR_CSP "default-src 'self'; img-src 'self' data: blob:; media-src 'self'; " \
		      "object-src 'self'; frame-src 'self'; frame-ancestors 'self'; "       \
		      "base-uri 'none'; form-action 'self'"
#define PB_WEBHDR_NOSNIFF  "nosniff"          /* X-Content-Type-Options */
#define PB_WEBHDR_FRAMES   "SAMEORIGIN"       /* X-Frame-Options */
#define PB_WEBHDR_REFERRER "no-referrer"      /* Referrer-Policy */

#endif
