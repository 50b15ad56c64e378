/*
 * playtube watch page script (served as /player/<hash>/player.js, see src/server/player.rs).
 *
 * Reads the JSON config the server put in the page (media URLs, optional signing token), then plays:
 *   1. HLS with hls.js (adaptive bitrate + a quality menu) when MediaSource is available;
 *   2. HLS natively (Safari, iOS) when hls.js is not supported but the browser plays HLS itself;
 *   3. the progressive MP4 (/stream/{id}) when the asset has no HLS or HLS cannot be loaded.
 * Errors (missing asset, expired or forbidden link) become a readable message on the page.
 *
 * window.player is the small API of the design document, plus read-only state used by the browser test:
 *   player.getQualities()      -> [{ name: 'auto' | '360p' | ..., width, height, bandwidth, active }]
 *   player.setQuality('360p')  -> switch to that rung now (manual); setQuality('auto') -> back to ABR
 *   player.getQuality()        -> { mode: 'auto' | 'manual', name: rung playing now or null }
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

  var events = [];
  var hls = null;
  var mode = 'starting';
  var levelNames = [];
  var fellBack = false;
  var mediaRecoveries = 0;

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
      record('frag', { level: levelNames[data.frag.level], sn: data.frag.sn, url: data.frag.url });
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

  window.player = {
    getQualities: getQualities,
    setQuality: setQuality,
    getQuality: getQuality,
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
