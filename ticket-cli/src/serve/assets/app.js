// ticket serve: the page's own small script. Everything works without it; it adds
// live checking of search keys (the caret message as you type, from /api/v1/parse),
// completion of property values and date widgets (from /api/v1/suggestions), and asks
// for the other ticket when the status becomes Merged or Duplicate.
// It never writes HTML: every text goes through textContent or an option's value.
(function () {
  'use strict';

  function debounce(f, ms) {
    let timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(f, ms);
    };
  }

  // Where this silo's pages live: '' or '/s/NAME' (the body's data-base).
  const base = document.body.dataset.base || '';

  async function getJSON(url) {
    const r = await fetch(base + url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    let body = null;
    try { body = await r.json(); } catch (e) { body = null; }
    return { ok: r.ok, body: body };
  }

  // Live checking of the search key and sort rule.
  const q = document.querySelector('input[data-check="search"]');
  const sort = document.querySelector('input[data-check="sort"]');
  const box = document.getElementById('check');
  if (q && box) {
    let seq = 0;
    const check = debounce(async function () {
      const mine = ++seq;
      const params = new URLSearchParams({ q: q.value, sort: sort ? sort.value : '' });
      let answer;
      try { answer = await getJSON('/api/v1/parse?' + params.toString()); } catch (e) { return; }
      if (mine !== seq) { return; }
      [q, sort].forEach(function (i) { if (i) { i.removeAttribute('aria-invalid'); } });
      if (answer.ok) {
        box.textContent = '';
        box.hidden = true;
      } else if (answer.body) {
        box.textContent = answer.body.caret || answer.body.message || 'error';
        box.hidden = false;
        const bad = answer.body.input === 'sort' ? sort : q;
        if (bad) { bad.setAttribute('aria-invalid', 'true'); }
      }
    }, 150);
    q.addEventListener('input', check);
    if (sort) { sort.addEventListener('input', check); }
  }

  // Merged and Duplicate need the other ticket.
  const status = document.querySelector('select#status');
  const other = document.querySelector('input#other');
  if (status && other) {
    const need = function () {
      const yes = status.value === 'Merged' || status.value === 'Duplicate';
      other.required = yes;
      other.closest('.field').classList.toggle('asks', yes);
    };
    status.addEventListener('change', need);
    need();
  }

  // Completion of values, date pickers.
  const rows = document.querySelectorAll('.kv');
  const valuesList = document.getElementById('dl-values');
  if (rows.length && valuesList) {
    let loading = null;
    const suggestions = function () {
      if (!loading) {
        loading = getJSON('/api/v1/suggestions').then(function (a) {
          return a.ok && a.body ? a.body : { key_values: [], date_keys: [], date_picker: [], date_toggle: [] };
        }, function () {
          return { key_values: [], date_keys: [], date_picker: [], date_toggle: [] };
        });
      }
      return loading;
    };
    const has = function (list, key) {
      return (list || []).some(function (k) { return k.toLowerCase() === key; });
    };
    rows.forEach(function (row) {
      const key = row.querySelector('[data-role="key"]');
      const value = row.querySelector('[data-role="value"]');
      if (!key || !value) { return; }
      const toggle = document.createElement('button');
      toggle.type = 'button';
      toggle.className = 'datetoggle';
      toggle.textContent = 'calendar';
      toggle.title = 'switch between a date picker and a date expression (fri, +3d, eom)';
      toggle.hidden = true;
      toggle.addEventListener('click', function () {
        value.type = value.type === 'date' ? 'text' : 'date';
      });
      value.after(toggle);
      const update = async function () {
        const s = await suggestions();
        const k = key.value.trim().toLowerCase();
        if (has(s.date_picker, k)) {
          value.type = 'date';
          toggle.hidden = true;
        } else if (has(s.date_toggle, k) || has(s.date_keys, k)) {
          toggle.hidden = false;
        } else {
          value.type = 'text';
          toggle.hidden = true;
        }
      };
      const fill = async function () {
        const s = await suggestions();
        const k = key.value.trim().toLowerCase();
        valuesList.replaceChildren();
        (s.key_values || []).forEach(function (kv) {
          if (kv.key.toLowerCase() === k) {
            const o = document.createElement('option');
            o.value = kv.value;
            valuesList.appendChild(o);
          }
        });
      };
      key.addEventListener('input', debounce(update, 200));
      key.addEventListener('change', update);
      value.addEventListener('focus', fill);
      if (key.value) { update(); }
    });
  }
})();
