/* Admin: Wi-Fi radio, capacity and the phones on it (ES5, XMLHttpRequest).
 * Data: GET /api/v1/admin/wifi, refreshed every REFRESH_MS; uses js/hotspot.js. Strings:
 * locale/id/admin-wifi.json (shown) and locale/en/admin-wifi.json. */
(function () {
  'use strict';

  var REFRESH_MS = 10000;
  var s = {};

  function t(key) { return typeof s[key] === 'string' ? s[key] : key; }

  function text(id, value) { document.getElementById(id).textContent = value; }

  function cell(row, value, cls) {
    var td = document.createElement('td');
    td.textContent = value;
    if (cls) { td.className = cls; }
    row.appendChild(td);
  }

  function render(w) {
    var tbody = document.getElementById('phones');
    var meter = document.getElementById('meter');
    var pct = Math.min(100, Math.round(w.count * 100 / Math.max(1, w.capacity)));
    var i, p, row, state;

    text('ssid', w.ssid);
    text('radio', t('radio_' + w.radio) + ' (' + w['interface'] + ')');
    text('channel', w.channel + ' (' + w.band + ' GHz)');
    text('count', String(w.count));
    text('capacity', String(w.capacity));
    meter.setAttribute('aria-valuemax', String(w.capacity));
    meter.setAttribute('aria-valuenow', String(w.count));
    document.getElementById('meter-fill').style.width = pct + '%';
    meter.className = w.near_capacity ? 'meter full' : 'meter';
    document.getElementById('warning').hidden = !w.near_capacity;
    document.getElementById('onboard-note').hidden = w.radio !== 'onboard';
    text('source', t(w.hostapd ? 'source_hostapd' : 'source_leases'));

    while (tbody.firstChild) { tbody.removeChild(tbody.firstChild); }
    for (i = 0; i < w.phones.length; i++) {
      p = w.phones[i];
      row = document.createElement('tr');
      state = [p.associated ? t('state_wifi') : t('state_lease')];
      if (p.portal_accepted) { state.push(t('state_portal')); }
      cell(row, p.hostname || '–');
      cell(row, p.ip || '–');
      cell(row, p.mac, 'mac');
      cell(row, state.join(', '));
      tbody.appendChild(row);
    }
    document.getElementById('empty').hidden = w.phones.length > 0;
  }

  function load() {
    PBNet.request('GET', '/api/v1/admin/wifi', function (status, w) {
      var err = document.getElementById('error');
      if (status === 200 && w) {
        err.hidden = true;
        render(w);
      } else {
        err.textContent = (w && w.message) || t('error_load');
        err.hidden = false;
      }
    });
  }

  PBNet.strings('admin-wifi', 'en', 'data-i18n-en', null);
  PBNet.strings('admin-wifi', 'id', 'data-i18n', function (strings) {
    s = strings || {};
    load();
    setInterval(load, REFRESH_MS);
  });
}());
