/* Signature pad: draws with pointer events (touch and mouse events on
 * engines without them) on a canvas and gives the drawing in the box's
 * stroke format: {w, h, s: [[x0, y0, dx1, dy1, ...], ...]} with integer
 * points in a W x H area (see docs/api.md, "Check-in"). ES5.
 *
 *   var pad = PBSignature(canvas);
 *   pad.clear();  pad.isEmpty();  pad.encode()  -> object or null
 */
var PBSignature = (function () {
	"use strict";

	var W = 300, H = 150;          /* the stored drawing area */
	var POINTS_MAX = 1800;         /* the box takes 2000 */
	var STROKES_MAX = 60;          /* the box takes 64 */
	var MIN_STEP = 2;              /* points closer than this (units) are dropped */

	return function (canvas) {
		var ctx = canvas.getContext("2d"), strokes = [], cur = null, points = 0;

		function pos(e) {
			var r = canvas.getBoundingClientRect();
			var x = Math.round((e.clientX - r.left) / r.width * W);
			var y = Math.round((e.clientY - r.top) / r.height * H);
			return [Math.max(0, Math.min(W, x)), Math.max(0, Math.min(H, y))];
		}
		function line(a, b) {
			var sx = canvas.width / W, sy = canvas.height / H;
			ctx.beginPath();
			ctx.moveTo(a[0] * sx, a[1] * sy);
			ctx.lineTo(b[0] * sx + (a[0] === b[0] && a[1] === b[1] ? 0.5 : 0), b[1] * sy);
			ctx.stroke();
		}
		function start(e) {
			if (strokes.length >= STROKES_MAX || points >= POINTS_MAX)
				return;
			cur = [pos(e)];
			strokes.push(cur);
			points++;
			line(cur[0], cur[0]);
		}
		function move(e) {
			var p, last;
			if (!cur || points >= POINTS_MAX)
				return;
			p = pos(e);
			last = cur[cur.length - 1];
			if (Math.abs(p[0] - last[0]) < MIN_STEP && Math.abs(p[1] - last[1]) < MIN_STEP)
				return;
			cur.push(p);
			points++;
			line(last, p);
		}
		function end() { cur = null; }

		ctx.lineWidth = 4;
		ctx.lineCap = "round";
		ctx.lineJoin = "round";
		ctx.strokeStyle = "#1b1f24";
		if (window.PointerEvent) {
			canvas.addEventListener("pointerdown", function (e) {
				e.preventDefault();
				if (canvas.setPointerCapture)
					canvas.setPointerCapture(e.pointerId);
				start(e);
			});
			canvas.addEventListener("pointermove", function (e) { e.preventDefault(); move(e); });
			canvas.addEventListener("pointerup", end);
			canvas.addEventListener("pointercancel", end);
		} else {
			canvas.addEventListener("touchstart", function (e) {
				e.preventDefault();
				start(e.changedTouches[0]);
			});
			canvas.addEventListener("touchmove", function (e) {
				e.preventDefault();
				move(e.changedTouches[0]);
			});
			canvas.addEventListener("touchend", end);
			canvas.addEventListener("mousedown", start);
			canvas.addEventListener("mousemove", function (e) { if (e.buttons !== 0) move(e); });
			canvas.addEventListener("mouseup", end);
		}

		return {
			clear: function () {
				strokes = [];
				cur = null;
				points = 0;
				ctx.clearRect(0, 0, canvas.width, canvas.height);
			},
			isEmpty: function () { return points < 2; },
			encode: function () {
				var s = [], i, j, st, out;
				for (i = 0; i < strokes.length; i++) {
					st = strokes[i];
					out = [st[0][0], st[0][1]];
					for (j = 1; j < st.length; j++)
						out.push(st[j][0] - st[j - 1][0], st[j][1] - st[j - 1][1]);
					s.push(out);
				}
				return s.length ? {w: W, h: H, s: s} : null;
			}
		};
	};
}());
