/* Helpers shared by the hotspot pages (portal, admin Wi-Fi): JSON over
 * XMLHttpRequest and filling [data-i18n] / [data-i18n-en] elements from
 * locale/<lang>/<page>.json. ES5 for old phone browsers. */
var PBNet = (function () {
  'use strict';

  function request(method, url, cb) {
    var x = new XMLHttpRequest();
    x.open(method, url, true);
    x.setRequestHeader('Accept', 'application/json');
    x.onreadystatechange = function () {
      var body = null;
      if (x.readyState !== 4) { return; }
      try { body = JSON.parse(x.responseText); } catch (e) { body = null; }
      cb(x.status, body);
    };
    x.send(method === 'POST' ? '' : null);
  }

  /* Fill elements carrying attr with the page's strings in lang; cb gets
   * the strings (or null when they could not be loaded). */
  function strings(page, lang, attr, cb) {
    request('GET', '/locale/' + lang + '/' + page + '.json', function (status, s) {
      var list, i, k;
      if (status !== 200 || !s) { if (cb) { cb(null); } return; }
      list = document.querySelectorAll('[' + attr + ']');
      for (i = 0; i < list.length; i++) {
        k = list[i].getAttribute(attr);
        if (typeof s[k] === 'string') { list[i].textContent = s[k]; }
      }
      if (cb) { cb(s); }
    });
  }

  return { request: request, strings: strings };
}());
