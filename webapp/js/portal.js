/* The captive portal page (ES5, XMLHttpRequest: it runs in the phones'
 * sign-in mini-browsers). Works without JavaScript too: the Lanjut button
 * is a plain form post. Uses js/hotspot.js. Strings: locale/id/portal.json, locale/en/portal.json. */
(function () {
  'use strict';

  var strings = {};
  var form = document.getElementById('accept-form');
  var done = document.getElementById('done');
  var err = document.getElementById('error');

  function showDone() {
    form.hidden = true;
    done.hidden = false;
    err.hidden = true;
  }

  function setLink(id, url, text) {
    var a = document.getElementById(id);
    a.href = url + '/';
    a.textContent = text;
  }

  PBNet.strings('portal', 'id', 'data-i18n', function (s) { if (s) { strings = s; } });
  PBNet.strings('portal', 'en', 'data-i18n-en', null);

  if (/[?&]lanjut=1/.test(window.location.search)) { showDone(); }

  PBNet.request('GET', '/api/v1/portal', function (status, info) {
    if (status !== 200 || !info) { return; }
    var names = document.querySelectorAll('.centre-name'), i;
    for (i = 0; i < names.length; i++) { names[i].textContent = info.centre_name; }
    setLink('url', info.url, info.url);
    setLink('ip-url', info.ip_url, info.ip_url);
    if (info.accepted) { showDone(); }
  });

  form.onsubmit = function (ev) {
    var button = document.getElementById('accept');
    if (ev && ev.preventDefault) { ev.preventDefault(); }
    button.disabled = true;
    PBNet.request('POST', '/api/v1/portal/accept', function (status) {
      button.disabled = false;
      if (status === 200) {
        showDone();
        return;
      }
      err.textContent = strings.error || 'Gagal menyimpan. Coba ketuk Lanjut sekali lagi.';
      err.hidden = false;
    });
    return false;
  };
}());
