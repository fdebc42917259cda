/* The captive portal page (ES5, XMLHttpRequest: it runs in the phones'
 * sign-in mini-browsers). Works without JavaScript too: the Lanjut button
 * is a plain form post. Strings: locale/id/portal.json, locale/en/portal.json. */
(function () {
  'use strict';

  function xhr(method, url, cb) {
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

  function each(sel, fn) {
    var list = document.querySelectorAll(sel), i;
    for (i = 0; i < list.length; i++) { fn(list[i]); }
  }

  function applyStrings(lang, attr) {
    xhr('GET', '/locale/' + lang + '/portal.json', function (status, s) {
      if (status !== 200 || !s) { return; }
      each('[' + attr + ']', function (el) {
        var k = el.getAttribute(attr);
        if (typeof s[k] === 'string') { el.textContent = s[k]; }
      });
      if (lang === 'id') { strings = s; }
    });
  }

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

  applyStrings('id', 'data-i18n');
  applyStrings('en', 'data-i18n-en');

  if (/[?&]lanjut=1/.test(window.location.search)) { showDone(); }

  xhr('GET', '/api/v1/portal', function (status, info) {
    if (status !== 200 || !info) { return; }
    document.getElementById('centre').textContent = info.centre_name;
    setLink('url', info.url, info.url);
    setLink('ip-url', info.ip_url, info.ip_url);
    if (info.accepted) { showDone(); }
  });

  form.onsubmit = function (ev) {
    var button = document.getElementById('accept');
    if (ev && ev.preventDefault) { ev.preventDefault(); }
    button.disabled = true;
    xhr('POST', '/api/v1/portal/accept', function (status) {
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
