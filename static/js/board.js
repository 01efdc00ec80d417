/* board.js: what a TV board does between server pushes, without inline scripts.
 *
 * - ticks the clock (in the board's time zone), time in state and longest waits from the
 *   epoch-ms timestamps the server sends (data-tick-since), and moves a ticking tile across
 *   its threshold levels (data-levels) on its own;
 * - shows the stale marker ("last update N s ago", figures dimmed) when the socket is down,
 *   when the org's data is older than the board's threshold, or when the server says so;
 * - rotates pages and shifts the board by a few pixels now and then against burn-in;
 * - pages a table tile (agents list, queues table) longer than its tile: the rows that fit,
 *   then the next ones every TABLE_PAGE_MS, with "page 1/3" in its footer, so no agent or
 *   queue is cut off at the bottom of the screen;
 * - reloads itself when the board's pages or tiles were edited (data-layout changes);
 * - says what the socket is doing (body[data-socket]: connecting, up, down, refused) and, when
 *   the server refuses the link (revoked), says so across the screen.
 * One timer, no per-update listeners, so it can run for days without growing.
 * Reconnecting after an abnormal close (back-off with full jitter) is htmx's websocket
 * extension's job; the board the server sends on every connect replaces every figure.
 */
(function () {
  "use strict";

  var PIXEL_SHIFT_DEFAULT_S = 120; // unless the board says (data-pixel-shift-s)
  var PIXEL_SHIFT_MAX_PX = 4;
  // No message for this long (the server sends a status at least every tick) means the socket
  // is as good as down, even if the browser has not noticed.
  var SILENT_SOCKET_MS = 30000;
  // htmx retries only abnormal closes (1006, 1011-1013). A socket that closed cleanly for
  // another reason (a proxy's 1000/1001), or one silent for this long (a half-open TCP
  // connection), is recovered by reloading the page, but only once the server answers, so
  // the TV never lands on a browser error page.
  var DEAD_SOCKET_MS = 90000;
  var RETRIED_CLOSE_CODES = [1006, 1011, 1012, 1013];
  var recovering = false;

  var TABLE_PAGE_MS = 10000;
  var tablePageOf = {}; // tile element id -> page shown (tiles are replaced by every push)
  var lastTablePage = Date.now();

  var LONG_VALUE_CHARS = 5; // as the tile partial decides: longer values get a smaller size
  var SOCKET_NOTES = {
    connecting: "Connecting…",
    down: "Connection lost: reconnecting…",
    refused: "Display link revoked"
  };

  var socketUp = false;
  var everConnected = false;
  var lastMessageAt = 0;
  var serverOffsetMs = 0; // server clock minus browser clock
  var lastPageSwitch = Date.now();
  var lastShift = Date.now();
  var pageIndex = 0;
  var clockFormat = null;
  var layout = null; // the board's structure as loaded; a new one means the board was edited

  function serverNow() { return Date.now() + serverOffsetMs; }

  function duration(seconds) {
    var s = Math.max(0, Math.round(seconds));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(r).padStart(2, "0");
  }

  function readStatus() {
    var status = document.getElementById("board-status");
    if (!status) { return null; }
    if (layout === null) { layout = status.dataset.layout || ""; }
    if (status.dataset.layout && status.dataset.layout !== layout) {
      window.location.reload(); // pages or tiles were edited: take the new layout
      return status;
    }
    var serverAt = Number(status.dataset.serverNow || 0);
    if (serverAt && status.dataset.seen !== String(serverAt)) {
      status.dataset.seen = String(serverAt);
      serverOffsetMs = serverAt - Date.now();
    }
    return status;
  }

  function applyLevels(tile, seconds) {
    var levels;
    try { levels = JSON.parse(tile.dataset.levels || "[]"); } catch (e) { return; }
    var above = tile.dataset.direction !== "below";
    var reached = null;
    levels.forEach(function (level) {
      if (above ? seconds >= level.value : seconds <= level.value) { reached = level; }
    });
    ["green", "amber", "red", "blue", "purple", "white"].forEach(function (c) {
      tile.classList.toggle("level-" + c, !!reached && reached.colour === c);
    });
    tile.classList.toggle("flash", !!reached && reached.flash);
    var name = tile.querySelector(".tile-level");
    if (name) { name.textContent = reached ? (reached.name || "") : ""; }
  }

  function tick() {
    var now = serverNow();
    var board = document.getElementById("board");
    if (!board) { return; }
    if (clockFormat) {
      var clock = document.getElementById("board-clock");
      if (clock) { clock.textContent = clockFormat.format(new Date(now)); }
    }
    document.querySelectorAll("[data-tick-since]").forEach(function (el) {
      var since = Number(el.dataset.tickSince);
      if (!since) { return; }
      var seconds = (now - since) / 1000;
      var text = duration(seconds);
      if (el.textContent !== text) { el.textContent = text; }
      if (el.classList.contains("tile-value")) { el.classList.toggle("is-long", text.length > LONG_VALUE_CHARS); }
      var tile = el.closest("[data-levels]");
      if (tile && el.classList.contains("tile-value")) { applyLevels(tile, seconds); }
    });
    var status = readStatus();
    var silentMs = lastMessageAt ? Date.now() - lastMessageAt : 0;
    var stale = !socketUp || silentMs > SILENT_SOCKET_MS;
    if (socketUp && silentMs > DEAD_SOCKET_MS) { reloadWhenServerAnswers(0); }
    if (status) {
      var dataAt = Number(status.dataset.dataAt || 0);
      var staleAfter = Number(status.dataset.staleAfterS || 60) * 1000;
      stale = stale || status.dataset.serverStale === "1" || !dataAt || now - dataAt > staleAfter;
      var ago = status.querySelector("[data-ago-since]");
      if (ago && dataAt) { ago.textContent = Math.max(0, Math.round((now - dataAt) / 1000)) + " s"; }
    }
    document.body.classList.toggle("is-stale", !!stale);
    rotate(board);
    shift(board);
    pageTables(board, Date.now() - lastTablePage >= TABLE_PAGE_MS);
  }

  function pageTables(board, advance) {
    if (advance) { lastTablePage = Date.now(); }
    board.querySelectorAll(".board-page.is-current [data-table-pages]").forEach(function (tile) {
      var tables = tile.querySelectorAll("table.tile-table");
      var label = tile.querySelector(".tile-page");
      var rowsOf = [];
      tables.forEach(function (table) {
        var rows = table.tBodies.length ? Array.prototype.slice.call(table.tBodies[0].rows) : [];
        rows.forEach(function (row) { row.hidden = false; });
        rowsOf.push(rows);
      });
      // Where rows may end: above the footer, inside the tile's padding and border.
      var box = tile.getBoundingClientRect();
      var style = getComputedStyle(tile);
      var foot = tile.querySelector(".tile-foot");
      var bottom = box.bottom - parseFloat(style.paddingBottom) - parseFloat(style.borderBottomWidth) -
        (foot ? foot.getBoundingClientRect().height + 4 : 0);
      var perPage = Infinity, longest = 0;
      rowsOf.forEach(function (rows) {
        if (!rows.length) { return; }
        var first = rows[0].getBoundingClientRect();
        if (!first.height) { return; }
        perPage = Math.min(perPage, Math.max(1, Math.floor((bottom - first.top) / first.height)));
        longest = Math.max(longest, rows.length);
      });
      var pages = perPage === Infinity ? 1 : Math.max(1, Math.ceil(longest / perPage));
      var index = (tablePageOf[tile.id] || 0) + (advance ? 1 : 0);
      index = index % pages;
      tablePageOf[tile.id] = index;
      if (pages > 1) {
        rowsOf.forEach(function (rows) {
          rows.forEach(function (row, i) { row.hidden = i < index * perPage || i >= (index + 1) * perPage; });
        });
      }
      if (label) { label.textContent = pages > 1 ? "page " + (index + 1) + "/" + pages : ""; }
    });
  }

  function rotate(board) {
    var pages = board.querySelectorAll("[data-page]");
    var periodMs = Number(board.dataset.rotationS || 0) * 1000;
    if (pages.length < 2 || !periodMs || Date.now() - lastPageSwitch < periodMs) { return; }
    lastPageSwitch = Date.now();
    showPage(board, pageIndex + 1);
  }

  function showPage(board, index) {
    var pages = board.querySelectorAll("[data-page]");
    if (!pages.length) { return; }
    pageIndex = ((index % pages.length) + pages.length) % pages.length;
    pages.forEach(function (page, i) { page.classList.toggle("is-current", i === pageIndex); });
    board.dataset.pageIndex = String(pageIndex);
    var title = document.getElementById("board-page-title");
    if (title) { title.textContent = pages[pageIndex].dataset.title || ""; }
  }

  function shift(board) {
    var everyMs = 1000 * Number(board.dataset.pixelShiftS || PIXEL_SHIFT_DEFAULT_S);
    if (!everyMs || Date.now() - lastShift < everyMs) { return; }
    lastShift = Date.now();
    var span = 2 * PIXEL_SHIFT_MAX_PX + 1;
    var x = Math.floor(Math.random() * span) - PIXEL_SHIFT_MAX_PX;
    var y = Math.floor(Math.random() * span) - PIXEL_SHIFT_MAX_PX;
    board.style.transform = "translate(" + x + "px, " + y + "px)";
    board.dataset.shift = x + "," + y;
  }

  function reloadWhenServerAnswers(attempt) {
    if (recovering && attempt === 0) { return; }
    recovering = true;
    // Exponential back-off with full jitter, as htmx's own reconnects: up to 1, 2, 4 ... 64 s.
    var delayMs = Math.random() * 1000 * Math.pow(2, Math.min(attempt, 6));
    window.setTimeout(function () {
      window.fetch("/healthz", { cache: "no-store" }).then(function (response) {
        if (response.ok) { window.location.reload(); } else { reloadWhenServerAnswers(attempt + 1); }
      }, function () { reloadWhenServerAnswers(attempt + 1); });
    }, delayMs);
  }

  function showSocket(state) {
    document.body.dataset.socket = state;
    var note = document.getElementById("board-connection");
    if (note) { note.textContent = SOCKET_NOTES[state] || ""; }
    var revoked = document.getElementById("board-revoked");
    if (revoked) { revoked.hidden = state !== "refused"; }
  }

  function start() {
    var board = document.getElementById("board");
    if (!board) { return; }
    try {
      clockFormat = new Intl.DateTimeFormat(undefined, {
        hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
        timeZone: board.dataset.zone || undefined
      });
    } catch (e) {
      clockFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
    }
    document.body.addEventListener("htmx:wsConnecting", function () {
      // A retry after a lost connection stays "down" (reconnecting) until it opens.
      if (!everConnected) { showSocket("connecting"); }
    });
    document.body.addEventListener("htmx:wsOpen", function () {
      socketUp = true;
      everConnected = true;
      lastMessageAt = Date.now();
      showSocket("up");
    });
    document.body.addEventListener("htmx:wsClose", function (event) {
      socketUp = false;
      var code = event.detail && event.detail.event ? event.detail.event.code : 0;
      // The server closes with 4401/4403/4404 when the link is unknown or revoked; htmx does
      // not retry those, so say so instead of "reconnecting" forever.
      var refused = code >= 4400 && code < 4500;
      showSocket(refused ? "refused" : "down");
      if (!refused && RETRIED_CLOSE_CODES.indexOf(code) < 0) { reloadWhenServerAnswers(0); }
      tick();
    });
    document.body.addEventListener("htmx:wsAfterMessage", function () { lastMessageAt = Date.now(); tick(); });
    // For kiosk remotes and tests: show page `index` now; rotation continues from there.
    window.boardShowPage = function (index) { lastPageSwitch = Date.now(); showPage(board, index); };
    // The same for long tables: their next page now.
    window.boardNextTablePage = function () { pageTables(board, true); };
    showSocket("connecting");
    tick();
    window.setInterval(tick, 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
