/*
 * playtube watch page script (served as /player/<hash>/player.js, see src/server/player.rs).
 *
 * Reads the JSON config the server put in the page (media URLs, optional signing token), then plays:
 *   1. HLS with hls.js (adaptive bitrate + a quality menu) when MediaSource is available;
 *   2. HLS natively (Safari, iOS) when hls.js is not supported but the browser plays HLS itself;
 *   3. the progressive MP4 (/stream/{id}) when the asset has no HLS or HLS cannot be loaded.
 * Errors (missing asset, expired or forbidden link) become a readable message on the page.
 *
 * Captions are drawn by this script in #caption over the video (the chosen text track is 'hidden', so
 * the browser loads its cues but draws nothing): one look everywhere, and a testable element. The
 * audio-language menu appears when the HLS package has several audio renditions. Over the seek bar
 * (#scrub) a preview image from the storyboard (a WebVTT index of sprite tiles, `#xywh=`) follows the
 * pointer.
 *
 * window.player is the small API of the design document, plus read-only state used by the browser test:
 *   player.getQualities()      -> [{ name: 'auto' | '360p' | ..., width, height, bandwidth, active }]
 *   player.setQuality('360p')  -> switch to that rung now (manual); setQuality('auto') -> back to ABR
 *   player.getQuality()        -> { mode: 'auto' | 'manual', name: rung playing now or null }
 *   player.getCaptions()       -> [{ name: 'off' | 'en' | ..., language, label, forced, active }]
 *   player.setCaption('es')    -> show that language's captions; setCaption('off') -> none
 *   player.getAudioTracks()    -> [{ name: 'en' | ..., language, label, active }] (empty: one language)
 *   player.setAudioTrack('es') -> switch the audio language (hls.js audioTrack)
 *   player.previewAt(seconds)  -> { url, x, y, w, h } of the storyboard tile for that time, or null
 *   player.mode                -> 'hls.js' | 'native' | 'progressive' | 'error'
 *   player.events              -> a log of what happened (level switches, fragments, errors)
 */
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('playtube-config').textContent);
  var video = document.getElementById('video');
  var menu = document.getElementById('quality');
  var now = document.getElementById('now');
  var message = document.getElementById('message');
  var captionsMenu = document.getElementById('captions');
  var captionBox = document.getElementById('caption');
  var audioMenu = document.getElementById('audio');
  var audioLabel = document.getElementById('audio-label');
  var scrub = document.getElementById('scrub');
  var scrubFill = document.getElementById('scrub-fill');
  var preview = document.getElementById('preview');
  var previewImage = document.getElementById('preview-image');
  var previewTime = document.getElementById('preview-time');

  var events = [];
  var hls = null;
  var mode = 'starting';
  var levelNames = [];
  var fellBack = false;
  var mediaRecoveries = 0;
  // Captions: [{ name, language, label, forced, index }] where index is the hls.js subtitle track or
  // the <track> element's position; captionChoice is the chosen name or 'off'.
  var captionList = [];
  var captionChoice = 'off';
  var audioList = [];
  var storyboard = []; // [{ start, end, url, x, y, w, h }]

  function record(type, detail) {
    var entry = { t: Math.round(performance.now()), type: type };
    for (var key in detail) if (key !== 'type' && key !== 't') entry[key] = detail[key];
    events.push(entry);
    if (events.length > 2000) events.shift();
  }

  // On a signed page, add the HLS token (its scope is the asset's whole /hls/{id}/ tree) to an HLS
  // request that lacks one. The server already rewrites the URIs inside playlists to carry it; this
  // covers anything it could not (a key URI, a redirect target). Other URLs arrive signed in config.
  function withToken(url) {
    if (!config.token || /[?&]sig=/.test(url) || !isHlsUrl(url)) return url;
    return url + (url.indexOf('?') === -1 ? '?' : '&') + config.token;
  }

  function isHlsUrl(url) {
    try {
      var u = new URL(url, location.href);
      var master = new URL(config.hls, location.href);
      return u.origin === master.origin && u.pathname.indexOf(master.pathname.replace(/[^/]*$/, '')) === 0;
    } catch (e) {
      return false;
    }
  }

  function showMessage(text) {
    message.textContent = text;
    message.hidden = false;
    record('message', { text: text });
  }

  function hideMessage() {
    message.hidden = true;
  }

  function describeStatus(status) {
    if (status === 403) {
      return 'This link has expired or is not valid (HTTP 403). Ask for a new link to watch this video.';
    }
    if (status === 404 || status === 410) {
      return 'This video could not be found (HTTP ' + status + '). It may have been removed or not be ready yet.';
    }
    if (status >= 500) {
      return 'The video server had a problem (HTTP ' + status + '). Try again in a moment.';
    }
    if (status) {
      return 'The video could not be loaded (HTTP ' + status + ').';
    }
    return 'The video could not be loaded: the media server did not answer, or does not allow this page ' +
      '(CORS). Check your connection and try again.';
  }

  // The rung name of an hls.js level: the folder of its media playlist (/hls/{id}/<quality>/...),
  // which is the quality name the pipeline wrote; else "<height>p".
  function levelName(level) {
    var url = typeof level.url === 'string' ? level.url : (level.url && level.url[0]) || '';
    var m = /\/([A-Za-z0-9_-]{1,32})\/[^/?#]+\.m3u8(?:[?#]|$)/.exec(url);
    if (m) return m[1];
    return level.height ? level.height + 'p' : 'level ' + levelNames.length;
  }

  function formatRate(bps) {
    return bps >= 1e6 ? (bps / 1e6).toFixed(1) + ' Mbps' : Math.round(bps / 1e3) + ' kbps';
  }

  function currentLevelIndex() {
    return hls ? hls.currentLevel : -1;
  }

  function updateNow() {
    if (mode === 'hls.js' && hls) {
      var i = currentLevelIndex();
      var level = hls.levels[i];
      var auto = hls.autoLevelEnabled;
      menu.options[0].textContent = auto && level ? 'Auto (' + levelNames[i] + ')' : 'Auto';
      menu.value = auto ? 'auto' : levelNames[i] || 'auto';
      now.textContent = level
        ? 'Playing ' + levelNames[i] + ' · ' + level.width + '×' + level.height + ' · ' + formatRate(level.bitrate) +
          (auto ? ' · auto' : '')
        : '';
    } else if (mode === 'native') {
      now.textContent = video.videoHeight ? 'Playing ' + video.videoHeight + 'p · adaptive (native HLS)' : '';
    } else if (mode === 'progressive') {
      now.textContent = video.videoHeight ? 'Playing ' + video.videoHeight + 'p · progressive MP4' : '';
    }
  }

  function fillMenu() {
    while (menu.options.length > 1) menu.remove(1);
    levelNames.forEach(function (name) {
      var opt = document.createElement('option');
      opt.value = name;
      opt.textContent = name;
      menu.appendChild(opt);
    });
    menu.disabled = levelNames.length < 2;
    updateNow();
  }

  // ---- 3. progressive fallback -------------------------------------------------------------------

  // status: the HTTP status that made HLS unusable (0 when there was none), shown if this fails too.
  function playProgressive(status, why) {
    if (fellBack || !config.stream) {
      return fail(status, why);
    }
    fellBack = true;
    record('fallback', { to: 'progressive', status: status || 0, why: why || '' });
    if (hls) {
      hls.destroy();
      hls = null;
      window.player.hls = null;
    }
    mode = 'progressive';
    levelNames = [];
    fillMenu();
    audioList = [];
    fillAudioMenu();
    addProgressiveCaptions();
    video.src = config.stream;
    video.load();
  }

  // Give up: a readable message from the HTTP status, or the given text when there is no status.
  function fail(status, text) {
    mode = 'error';
    if (hls) {
      hls.destroy();
      hls = null;
      window.player.hls = null;
    }
    showMessage(status || !text ? describeStatus(status) : text);
  }

  // When the <video> element fails on a plain URL it does not say why; ask the server for the status.
  function statusOf(url) {
    return fetch(url, { method: 'HEAD', cache: 'no-store' }).then(
      function (r) { return r.status; },
      function () { return 0; }
    );
  }

  video.addEventListener('error', function () {
    var err = video.error;
    record('video-error', { code: err && err.code, mode: mode });
    if (mode === 'native') {
      statusOf(video.currentSrc).then(function (status) {
        if (status === 403) fail(403);
        else playProgressive(status >= 400 ? status : 0, 'This video could not be played.');
      });
    } else if (mode === 'progressive') {
      statusOf(video.currentSrc || config.stream).then(function (status) {
        if (status >= 400 || status === 0) fail(status);
        else fail(0, 'This browser cannot play this video (media error ' + (err && err.code) + ').');
      });
    }
  });

  // ---- 1. hls.js -----------------------------------------------------------------------------------

  function playWithHlsJs() {
    mode = 'hls.js';
    hls = new Hls({
      // Text tracks stay 'hidden': cues load and this script draws them (see renderCaption).
      subtitleDisplay: false,
      // hls.js's ABR defaults; only the loaders are wrapped so that every HLS request carries the token.
      xhrSetup: function (xhr, url) {
        xhr.open('GET', withToken(url), true);
      },
      fetchSetup: function (context, init) {
        return new Request(withToken(context.url), init);
      }
    });
    window.player.hls = hls;

    hls.on(Hls.Events.MANIFEST_PARSED, function (_, data) {
      levelNames = hls.levels.map(levelName);
      record('manifest', { levels: levelNames.slice() });
      fillMenu();
      hideMessage();
    });
    hls.on(Hls.Events.LEVEL_SWITCHING, function (_, data) {
      record('level-switching', { level: levelNames[data.level] });
    });
    hls.on(Hls.Events.LEVEL_SWITCHED, function (_, data) {
      record('level-switched', { level: levelNames[data.level], auto: hls.autoLevelEnabled });
      updateNow();
    });
    hls.on(Hls.Events.FRAG_LOADED, function (_, data) {
      var f = data.frag;
      var entry = { kind: f.type, sn: f.sn, url: f.url };
      if (f.type === 'main') entry.level = levelNames[f.level];
      else if (f.type === 'audio') entry.track = audioList[f.level] ? audioList[f.level].name : f.level;
      else if (f.type === 'subtitle') entry.track = captionList[f.level] ? captionList[f.level].name : f.level;
      record('frag', entry);
    });
    hls.on(Hls.Events.SUBTITLE_TRACKS_UPDATED, function () {
      captionList = uniqueNames(hls.subtitleTracks.map(function (t, i) {
        return { language: t.lang || 'und', label: t.name || languageName(t.lang), forced: !!t.forced, index: i };
      }));
      record('subtitle-tracks', { names: captionList.map(function (c) { return c.name; }) });
      fillCaptionsMenu();
    });
    hls.on(Hls.Events.SUBTITLE_TRACK_SWITCH, function (_, data) {
      record('subtitle-switch', { index: data.id });
    });
    hls.on(Hls.Events.AUDIO_TRACKS_UPDATED, function () {
      audioList = uniqueNames(hls.audioTracks.map(function (t, i) {
        return { language: t.lang || 'und', label: t.name || languageName(t.lang), index: i };
      }));
      record('audio-tracks', { names: audioList.map(function (a) { return a.name; }) });
      fillAudioMenu();
    });
    hls.on(Hls.Events.AUDIO_TRACK_SWITCHED, function (_, data) {
      var a = audioList[data.id];
      record('audio-switched', { track: a ? a.name : data.id });
      fillAudioMenu();
    });
    hls.on(Hls.Events.ERROR, function (_, data) {
      var status = (data.response && data.response.code) || (data.networkDetails && data.networkDetails.status) || 0;
      record('hls-error', { fatal: !!data.fatal, kind: data.type, details: data.details, status: status });
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
        var manifest = data.details === Hls.ErrorDetails.MANIFEST_LOAD_ERROR ||
          data.details === Hls.ErrorDetails.MANIFEST_LOAD_TIMEOUT ||
          data.details === Hls.ErrorDetails.MANIFEST_PARSING_ERROR;
        if (status === 403) {
          fail(403); // an expired or forged token fails the progressive stream too
        } else if (manifest && status !== 0) {
          playProgressive(status, 'HLS master not available'); // e.g. an asset prepared without HLS
        } else {
          fail(status);
        }
      } else if (data.type === Hls.ErrorTypes.MEDIA_ERROR && mediaRecoveries < 2) {
        mediaRecoveries += 1;
        if (mediaRecoveries === 1) hls.recoverMediaError();
        else {
          hls.swapAudioCodec();
          hls.recoverMediaError();
        }
      } else {
        playProgressive(0, 'The video could not be decoded (' + data.details + ').');
      }
    });

    hls.loadSource(config.hls);
    hls.attachMedia(video);
  }

  // ---- the API of the design document ------------------------------------------------------------

  function getQualities() {
    var list = [{ name: 'auto', width: 0, height: 0, bandwidth: 0, active: mode !== 'hls.js' || !hls || hls.autoLevelEnabled }];
    if (mode === 'hls.js' && hls) {
      hls.levels.forEach(function (level, i) {
        list.push({
          name: levelNames[i],
          width: level.width,
          height: level.height,
          bandwidth: level.bitrate,
          active: !hls.autoLevelEnabled && hls.currentLevel === i
        });
      });
    }
    return list;
  }

  function setQuality(name) {
    if (name === 'auto') {
      if (hls) {
        hls.currentLevel = -1;
        hls.nextLevel = -1;
      }
      record('set-quality', { name: 'auto' });
      updateNow();
      return true;
    }
    var i = levelNames.indexOf(name);
    if (!hls || i === -1) {
      throw new Error('unknown quality ' + JSON.stringify(name) + '; available: auto' +
        (levelNames.length ? ', ' + levelNames.join(', ') : ''));
    }
    record('set-quality', { name: name });
    hls.currentLevel = i; // switches now: flushes the buffer and loads this rung's segment for the playhead
    updateNow();
    return true;
  }

  function getQuality() {
    if (mode !== 'hls.js' || !hls) return { mode: 'auto', name: null };
    return { mode: hls.autoLevelEnabled ? 'auto' : 'manual', name: levelNames[hls.currentLevel] || null };
  }

  // ---- captions ----------------------------------------------------------------------------------

  function languageName(tag) {
    if (!tag || tag === 'und') return 'Unknown';
    try {
      return new Intl.DisplayNames([navigator.language || 'en'], { type: 'language' }).of(tag) || tag;
    } catch (e) {
      return tag;
    }
  }

  // Give each entry a unique menu name: its language, then "en-2", "en-3" for repeats.
  function uniqueNames(list) {
    var seen = {};
    list.forEach(function (item) {
      var base = item.language || 'und';
      seen[base] = (seen[base] || 0) + 1;
      item.name = seen[base] === 1 ? base : base + '-' + seen[base];
    });
    return list;
  }

  // The progressive fallback gets one <track> per language the server listed (hidden, drawn by us).
  function addProgressiveCaptions() {
    var list = config.captions || [];
    if (!list.length) return;
    if (list.some(function (c) { return new URL(c.url, location.href).origin !== location.origin; })) {
      video.crossOrigin = 'anonymous'; // a cross-origin <track> loads only in CORS mode
    }
    captionList = uniqueNames(list.map(function (c, i) {
      var el = document.createElement('track');
      el.kind = 'subtitles';
      el.src = c.url;
      el.srclang = c.language;
      el.label = c.label || languageName(c.language);
      video.appendChild(el);
      return { language: c.language, label: el.label, forced: false, index: i };
    }));
    fillCaptionsMenu();
  }

  function fillCaptionsMenu() {
    while (captionsMenu.options.length > 1) captionsMenu.remove(1);
    captionList.forEach(function (c) {
      var opt = document.createElement('option');
      opt.value = c.name;
      opt.textContent = c.label + (c.forced ? ' (forced)' : '');
      captionsMenu.appendChild(opt);
    });
    captionsMenu.disabled = captionList.length === 0;
    if (captionChoice !== 'off' && !findByName(captionList, captionChoice)) captionChoice = 'off';
    captionsMenu.value = captionChoice;
  }

  function findByName(list, name) {
    for (var i = 0; i < list.length; i++) {
      if (list[i].name === name || list[i].language === name) return list[i];
    }
    return null;
  }

  // The text tracks that can hold captions, in the order hls.js or the <track> elements added them.
  function captionTracks() {
    var out = [];
    for (var i = 0; i < video.textTracks.length; i++) {
      var t = video.textTracks[i];
      if (t.kind === 'subtitles' || t.kind === 'captions') out.push(t);
    }
    return out;
  }

  function getCaptions() {
    var list = [{ name: 'off', language: null, label: 'Off', forced: false, active: captionChoice === 'off' }];
    captionList.forEach(function (c) {
      list.push({ name: c.name, language: c.language, label: c.label, forced: c.forced, active: captionChoice === c.name });
    });
    return list;
  }

  function setCaption(name) {
    var entry = name === 'off' ? null : findByName(captionList, name);
    if (name !== 'off' && !entry) {
      throw new Error('unknown captions ' + JSON.stringify(name) + '; available: off' +
        captionList.map(function (c) { return ', ' + c.name; }).join(''));
    }
    captionChoice = entry ? entry.name : 'off';
    record('set-caption', { name: captionChoice });
    if (mode === 'hls.js' && hls) {
      hls.subtitleTrack = entry ? entry.index : -1;
    } else {
      var chosen = entry ? entry.index : -1;
      captionTracks().forEach(function (t, i) { t.mode = i === chosen ? 'hidden' : 'disabled'; });
    }
    captionsMenu.value = captionChoice;
    renderCaption();
    return true;
  }

  // Draw the active cues of the chosen track (the one track not 'disabled') in #caption.
  var shownCaption = '';
  function renderCaption() {
    var track = null;
    if (captionChoice !== 'off') {
      captionTracks().forEach(function (t) {
        if (t.mode === 'showing') t.mode = 'hidden'; // never let the browser draw a second copy
        if (t.mode !== 'disabled' && !track) track = t;
      });
    }
    var cues = track && track.activeCues ? Array.prototype.slice.call(track.activeCues) : [];
    var key = cues.map(function (c) { return c.startTime + '|' + c.text; }).join('\n');
    if (key === shownCaption) return;
    shownCaption = key;
    captionBox.textContent = '';
    cues.forEach(function (cue, i) {
      if (i) captionBox.appendChild(document.createElement('br'));
      var line = document.createElement('span');
      line.appendChild(cue.getCueAsHTML ? cue.getCueAsHTML() : document.createTextNode(cue.text));
      captionBox.appendChild(line);
    });
    captionBox.hidden = cues.length === 0;
    if (cues.length) {
      record('caption', { track: captionChoice, text: captionBox.textContent, time: video.currentTime });
    }
  }

  // ---- audio languages -----------------------------------------------------------------------------

  function fillAudioMenu() {
    while (audioMenu.options.length) audioMenu.remove(0);
    audioList.forEach(function (a) {
      var opt = document.createElement('option');
      opt.value = a.name;
      opt.textContent = a.label;
      audioMenu.appendChild(opt);
    });
    audioLabel.hidden = audioList.length < 2;
    var current = hls && audioList[hls.audioTrack];
    if (current) audioMenu.value = current.name;
  }

  function getAudioTracks() {
    return audioList.map(function (a) {
      return { name: a.name, language: a.language, label: a.label, active: !!hls && hls.audioTrack === a.index };
    });
  }

  function setAudioTrack(name) {
    var entry = findByName(audioList, name);
    if (!entry || !hls) {
      throw new Error('unknown audio track ' + JSON.stringify(name) + '; available: ' +
        (audioList.map(function (a) { return a.name; }).join(', ') || 'none'));
    }
    record('set-audio', { name: entry.name });
    hls.audioTrack = entry.index;
    return true;
  }

  // ---- the seek bar and its preview ----------------------------------------------------------------

  function parseTime(text) {
    var m = /^(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})$/.exec(text.trim());
    if (!m) return NaN;
    return (+(m[1] || 0)) * 3600 + (+m[2]) * 60 + (+m[3]) + (+m[4]) / 1000;
  }

  // The storyboard index: cues whose text is `sheet.jpg#xywh=x,y,w,h`, relative to the index URL.
  function loadStoryboard() {
    if (!config.storyboard) return;
    var base = new URL(config.storyboard, location.href);
    fetch(withToken(base.href)).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.text();
    }).then(function (text) {
      var lines = text.split(/\r?\n/);
      for (var i = 0; i < lines.length - 1; i++) {
        var arrow = lines[i].indexOf('-->');
        if (arrow === -1) continue;
        var start = parseTime(lines[i].slice(0, arrow));
        var end = parseTime(lines[i].slice(arrow + 3).trim().split(/\s/)[0]);
        var m = /^(.+)#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(lines[i + 1].trim());
        if (isNaN(start) || isNaN(end) || !m) continue;
        storyboard.push({
          start: start, end: end, url: withToken(new URL(m[1], base).href),
          x: +m[2], y: +m[3], w: +m[4], h: +m[5]
        });
      }
      record('storyboard', { tiles: storyboard.length });
    }).catch(function (e) {
      record('storyboard-error', { error: String(e) });
    });
  }

  function previewAt(t) {
    for (var i = 0; i < storyboard.length; i++) {
      var s = storyboard[i];
      if (t >= s.start && t < s.end) return { url: s.url, x: s.x, y: s.y, w: s.w, h: s.h };
    }
    var last = storyboard[storyboard.length - 1];
    return last && t >= last.end && t <= (video.duration || last.end) ? previewAt(last.start) : null;
  }

  function formatClock(t) {
    t = Math.max(0, Math.floor(t));
    var s = t % 60;
    var m = Math.floor(t / 60) % 60;
    var h = Math.floor(t / 3600);
    return (h ? h + ':' + (m < 10 ? '0' : '') : '') + m + ':' + (s < 10 ? '0' : '') + s;
  }

  function scrubTime(clientX) {
    var rect = scrub.getBoundingClientRect();
    var f = Math.min(1, Math.max(0, (clientX - rect.left) / rect.width));
    return { time: f * (video.duration || 0), x: clientX - rect.left, width: rect.width };
  }

  function showPreview(clientX) {
    var at = scrubTime(clientX);
    if (!video.duration) return;
    var tile = previewAt(at.time);
    previewTime.textContent = formatClock(at.time);
    if (tile) {
      previewImage.style.width = tile.w + 'px';
      previewImage.style.height = tile.h + 'px';
      previewImage.style.backgroundImage = 'url("' + tile.url.replace(/["\\]/g, '') + '")';
      previewImage.style.backgroundPosition = '-' + tile.x + 'px -' + tile.y + 'px';
      previewImage.hidden = false;
    } else {
      previewImage.hidden = true;
    }
    var w = tile ? tile.w : 60;
    preview.style.left = Math.min(Math.max(at.x - w / 2, 0), Math.max(at.width - w, 0)) + 'px';
    preview.hidden = false;
    preview.dataset.time = at.time.toFixed(3);
    record('preview', { time: at.time, tile: tile ? tile.x + ',' + tile.y + ' ' + tile.url : null });
  }

  function updateScrub() {
    var d = video.duration || 0;
    scrubFill.style.width = (d ? (video.currentTime / d) * 100 : 0) + '%';
    scrub.setAttribute('aria-valuemax', String(Math.round(d)));
    scrub.setAttribute('aria-valuenow', String(Math.round(video.currentTime)));
  }

  scrub.addEventListener('pointermove', function (e) { showPreview(e.clientX); });
  scrub.addEventListener('pointerenter', function (e) { showPreview(e.clientX); });
  scrub.addEventListener('pointerleave', function () { preview.hidden = true; });
  scrub.addEventListener('click', function (e) {
    if (video.duration) video.currentTime = scrubTime(e.clientX).time;
  });
  scrub.addEventListener('keydown', function (e) {
    var step = e.key === 'ArrowRight' ? 5 : e.key === 'ArrowLeft' ? -5 : 0;
    if (step && video.duration) {
      video.currentTime = Math.min(video.duration, Math.max(0, video.currentTime + step));
      e.preventDefault();
    }
  });

  window.player = {
    getQualities: getQualities,
    setQuality: setQuality,
    getQuality: getQuality,
    getCaptions: getCaptions,
    setCaption: setCaption,
    getAudioTracks: getAudioTracks,
    setAudioTrack: setAudioTrack,
    previewAt: previewAt,
    play: function () { return video.play(); },
    video: video,
    hls: null,
    events: events,
    get mode() { return mode; }
  };

  // A policy violation means the page tried a request outside its Content-Security-Policy.
  document.addEventListener('securitypolicyviolation', function (e) {
    record('csp-violation', { directive: e.violatedDirective, blocked: e.blockedURI });
  });
  menu.addEventListener('change', function () {
    setQuality(menu.value);
  });
  captionsMenu.addEventListener('change', function () {
    setCaption(captionsMenu.value);
  });
  audioMenu.addEventListener('change', function () {
    setAudioTrack(audioMenu.value);
  });
  ['timeupdate', 'seeked'].forEach(function (type) {
    video.addEventListener(type, renderCaption);
  });
  ['timeupdate', 'durationchange', 'seeked'].forEach(function (type) {
    video.addEventListener(type, updateScrub);
  });
  video.textTracks.addEventListener('addtrack', function (e) {
    e.track.addEventListener('cuechange', renderCaption);
  });
  video.textTracks.addEventListener('change', renderCaption);
  ['loadedmetadata', 'resize', 'playing'].forEach(function (type) {
    video.addEventListener(type, updateNow);
  });
  video.addEventListener('playing', function () {
    hideMessage();
    record('playing', { time: video.currentTime });
  });

  // ---- start ---------------------------------------------------------------------------------------

  if (config.error) {
    // The server already knows there is nothing to play (unknown id, asset without playable files).
    mode = 'error';
    showMessage(config.error);
    return;
  }
  if (config.poster) video.poster = config.poster;
  loadStoryboard();
  if (config.hls && window.Hls && Hls.isSupported()) {
    playWithHlsJs();
  } else if (config.hls && video.canPlayType('application/vnd.apple.mpegurl')) {
    mode = 'native';
    video.src = config.hls;
  } else {
    playProgressive(0, 'This browser cannot play this video.');
  }
  if (config.autoplay) {
    video.play().catch(function (e) { record('autoplay-blocked', { error: String(e) }); });
  }
})();
